// npm run pack:check — the package as a user gets it (issue 22): builds, `npm pack`s, installs
// the tarball into an empty temporary folder, and there imports `dosql`, `dosql/client`,
// `dosql/kysely`, `dosql/drizzle` and `dosql/d1`, runs the `dosql` CLI, and type-checks a
// TypeScript file with `strict` against the shipped declarations. Also checks the tarball: a
// LICENSE, no source maps pointing at files it does not ship, no `@internal` members in .d.ts.
// Every subpath of package.json "exports" is imported. test/pack-check.test.ts runs this. The
// build happens in a staged copy of the package's inputs in a temporary folder, never in this
// checkout's dist/: bin/dosql.js runs dist/ when it exists, so a dist/ appearing or vanishing
// here would change what the other tests (running beside this one) execute. The dependencies
// are linked from this checkout's node_modules instead of downloaded (the same versions the
// lockfile installs).
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const checkout = resolve(import.meta.dirname, '..');
const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
// Thrown, not process.exit: the finally below removes the temporary folder either way.
const fail = (what: string): never => {
  throw new Error(`pack:check: ${what}`);
};

const tmp = mkdtempSync(join(tmpdir(), 'dosql-pack-'));
try {
  // The package's inputs, staged: what "files" ships plus what the build reads.
  const repo = join(tmp, 'pkg');
  for (const f of ['package.json', 'LICENSE', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'docs', 'src']) {
    if (existsSync(join(checkout, f))) cpSync(join(checkout, f), join(repo, f), { recursive: true });
  }
  symlinkSync(join(checkout, 'node_modules'), join(repo, 'node_modules'));
  run(join(checkout, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], repo);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'dosql' : `dosql/${k.slice(2)}`));
  // dosql/worker is the Workers build (it imports .wasm modules, which Node cannot): bundled for
  // workerd below, as wrangler does; every other subpath is imported in Node.
  const workerOnly = ['dosql/worker'];
  const inNode = subpaths.filter((s) => !workerOnly.includes(s));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], repo)) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  if (!files.includes('LICENSE')) fail('the tarball has no LICENSE');
  const shipped = new Set(files);
  for (const f of files.filter((p) => p.endsWith('.js.map'))) {
    const map = JSON.parse(readFileSync(join(repo, f), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
    const dir = f.slice(0, f.lastIndexOf('/'));
    const missing = map.sources.filter((s, i) => !shipped.has(join(dir, s)) && !map.sourcesContent?.[i]);
    if (missing.length > 0) fail(`${f} points at ${missing.join(', ')}, which the package does not ship`);
  }
  for (const f of files.filter((p) => p.endsWith('.d.ts'))) {
    if (readFileSync(join(repo, f), 'utf8').includes('@internal')) fail(`${f} declares @internal members`);
  }
  // (skipLibCheck as tsc --init sets it: with stripInternal some internal declarations still name
  // stripped @internal types; the public surface type-checks.)
  // Install: the tarball unpacked as node_modules/dosql, its dependencies linked.
  const app = join(tmp, 'app');
  const nm = join(app, 'node_modules');
  mkdirSync(join(nm, 'dosql'), { recursive: true });
  for (const name of readdirSync(join(checkout, 'node_modules'))) if (name !== 'dosql' && name !== '.bin') symlinkSync(join(checkout, 'node_modules', name), join(nm, name));
  run('tar', ['-xzf', join(tmp, packed[0]!.filename), '-C', join(nm, 'dosql'), '--strip-components=1'], app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  writeFileSync(
    join(app, 'main.mjs'),
    `import { DB } from 'dosql';
import { createHttpClient } from 'dosql/client';
import { DosqlDialect } from 'dosql/kysely';
import { drizzle } from 'dosql/drizzle';
import { d1 } from 'dosql/d1';
import { Kysely } from 'kysely';
const db = DB('app', { storage: 'memory' });
await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
const k = new Kysely({ dialect: new DosqlDialect({ database: db, closeOnDestroy: false }) });
await k.insertInto('t').values({ v: 'kysely' }).execute();
const { results } = await d1(db).prepare('SELECT v FROM t').all();
if (results[0].v !== 'kysely' || typeof createHttpClient !== 'function' || typeof drizzle !== 'function') throw new Error('unexpected');
await db.close();
// Every subpath of "exports" loads in Node and exports something.
for (const spec of ${JSON.stringify(inNode)}) {
  const mod = await import(spec);
  if (Object.keys(mod).length === 0) throw new Error(spec + ' exports nothing');
}
console.log('imports ok: ' + ${JSON.stringify(inNode.join(' '))});
`,
  );
  if (!run('node', ['main.mjs'], app).includes('imports ok')) fail('importing the package failed');
  // The Workers entry, bundled from the installed package as wrangler would (conditions workerd,
  // worker, browser; the WebAssembly modules left to the runtime): every import must resolve.
  for (const spec of workerOnly) {
    writeFileSync(join(app, 'worker.mjs'), `export * from '${spec}';\n`);
    const r = await build({ entryPoints: [join(app, 'worker.mjs')], absWorkingDir: app, bundle: true, write: false, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser', 'import'], external: ['*.wasm', 'cloudflare:*'], logLevel: 'silent' });
    if (r.errors.length > 0 || r.outputFiles.length !== 1) fail(`bundling ${spec} for workerd failed: ${r.errors.map((e) => e.text).join('; ')}`);
  }
  if (!run('node', [join(nm, 'dosql', 'bin', 'dosql.js'), 'help'], app).includes('usage: dosql')) fail('the CLI did not start');
  writeFileSync(
    join(app, 'strict.ts'),
    `import { DB, type Database, type RunResult } from 'dosql';
import { DosqlDialect } from 'dosql/kysely';
import { d1, type D1Result } from 'dosql/d1';
const db: Database = DB('app', { storage: 'memory' });
const r: Promise<RunResult> = db.run('SELECT 1');
const res: Promise<D1Result> = d1(db).prepare('SELECT 1').all();
export { r, res, DosqlDialect };
`,
  );
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, types: ['node'], skipLibCheck: true }, files: ['strict.ts'] }));
  run(join(checkout, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
  console.log(`pack:check: ok (${files.length} files in ${packed[0]!.filename}; subpaths ${subpaths.join(' ')})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
