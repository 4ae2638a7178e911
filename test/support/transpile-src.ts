// Builds src/ as plain JavaScript into a temporary folder (esbuild, file by file, no bundling
// or type check: about a second), for tests that must run dosql the way an installed package
// runs: from .js files, with no TypeScript loader anywhere in the process. esbuild comes with
// tsx and vitest.
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Returns a new folder holding `dist/index.js` and the rest of src/ as .js, plus a `node_modules` link to the repo's. */
export async function transpileSrc(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'dosql-js-'));
  const src = join(repo, 'src');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name.endsWith('.ts') && !ent.name.endsWith('.test.ts') && !ent.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(src);
  await build({ entryPoints: files, outdir: join(root, 'dist'), outbase: src, format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'error' });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}
