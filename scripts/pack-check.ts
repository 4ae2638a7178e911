// npm run pack:check — the package as a user gets it (issue 22): builds, `npm pack`s, installs
// the tarball into an empty temporary folder, and there imports `dosql`, `dosql/client`,
// `dosql/kysely`, `dosql/drizzle` and `dosql/d1`, runs the `dosql` CLI, and type-checks a
// TypeScript file with `strict` against the shipped declarations. Also checks the tarball: a
// LICENSE, no source maps pointing at files it does not ship, no `@internal` members in .d.ts.
// Not part of `npm test` (the build takes a while). The dependencies are linked from this
// checkout's node_modules instead of downloaded (the same versions the lockfile installs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const fail = (what: string): never => {
  console.error(`pack:check: ${what}`);
  process.exit(1);
};

rmSync(join(repo, 'dist'), { recursive: true, force: true });
run('npx', ['tsc', '-p', 'tsconfig.build.json'], repo);
const tmp = mkdtempSync(join(tmpdir(), 'dosql-pack-'));
try {
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
  for (const name of readdirSync(join(repo, 'node_modules'))) if (name !== 'dosql' && name !== '.bin') symlinkSync(join(repo, 'node_modules', name), join(nm, name));
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
console.log('imports ok');
`,
  );
  if (!run('node', ['main.mjs'], app).includes('imports ok')) fail('importing the package failed');
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
  run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
  console.log(`pack:check: ok (${files.length} files in ${packed[0]!.filename})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
