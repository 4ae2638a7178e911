#!/usr/bin/env node
// The `dosql` executable: runs the built CLI (dist/cli/main.js) when the package has been
// built, otherwise the TypeScript sources through tsx's ESM loader (a source checkout).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
let mod;
if (existsSync(fileURLToPath(built))) {
  mod = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
