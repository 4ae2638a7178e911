// The package's Workers entry (src/worker/exports.ts: `dosql/worker`, and `dosql` under the
// `workerd` condition) never loads a Node built-in: bundled as wrangler bundles for workerd
// (esbuild, platform neutral, the workerd/worker/browser conditions, the WebAssembly modules
// left to wrangler's CompiledWasm rule), nothing resolves to `node:*` or a bare built-in name.
// The Node entry (src/index.ts) is the control: the same bundle of it must meet its `node:`
// imports, or this check would see nothing. test/worker-embed.test.ts runs the entry in workerd.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Module specifiers the bundle of `entry` cannot resolve (left external) or that name a Node built-in. */
async function nodeImportsOf(entry: string): Promise<string[]> {
  const found = new Set<string>();
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser', 'import'],
    external: ['*.wasm'],
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            // workerd's own modules (capnweb imports cloudflare:workers there): not Node built-ins.
            if (args.path.startsWith('cloudflare:')) return { path: args.path, external: true };
            if (!BUILTINS.has(args.path)) return undefined;
            found.add(args.path);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  for (const input of Object.values(r.metafile.inputs)) for (const i of input.imports) if (i.external && !i.path.endsWith('.wasm') && !i.path.startsWith('cloudflare:')) found.add(i.path);
  return [...found].sort();
}

describe('Workers entry', () => {
  it('bundles for workerd without a single Node built-in', async () => {
    expect(await nodeImportsOf('src/worker/exports.ts')).toEqual([]);
  });

  it('(control) the Node entry bundled the same way meets its node: imports', async () => {
    expect(await nodeImportsOf('src/index.ts')).toEqual(expect.arrayContaining(['node:fs', 'node:path', 'node:worker_threads']));
  });
});
