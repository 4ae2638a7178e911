// Background worker threads must not inherit the caller's Node flags (issue 13, item 9): a
// script run as `node --input-type=module -e ...` used to crash at its first flush with
// ERR_INPUT_TYPE_NOT_ALLOWED, because the flush and compaction threads were started with the
// parent's execArgv. Runs dosql as an installed package runs: built .js, no TypeScript loader.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileSrc } from './support/transpile-src.js';
import { workerExecArgv } from '../src/node/worker-executor.js';

let built = '';
const dirs: string[] = [];
beforeAll(async () => {
  built = await transpileSrc();
  dirs.push(built);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Inserts enough through a 32 KiB memtable to flush many times and compact (L0 trigger 2).
const SCRIPT = `
const { DB } = await import(process.env.DOSQL_ENTRY);
const db = DB('t', { path: process.env.DOSQL_DIR, memtableBytes: 32768, compaction: { l0CompactionTrigger: 2 } });
await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
for (let i = 0; i < 3000; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(50)]);
const s = (await db.engine()).stats();
const [{ n }] = await db.query('SELECT count(*) AS n FROM t');
await db.close();
console.log(JSON.stringify({ flushes: s.flush.count, compactions: s.compaction.compactions, n }));
`;

describe("background worker threads and the caller's Node flags", () => {
  it('node --input-type=module -e: flushes and compactions run, the script exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dosql-flags-'));
    dirs.push(dir);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: built,
      env: { ...process.env, DOSQL_ENTRY: join(built, 'dist', 'index.js'), DOSQL_DIR: dir, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(r.stderr).not.toMatch(/ERR_INPUT_TYPE_NOT_ALLOWED|IO_ERROR/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { flushes: number; compactions: number; n: number };
    expect(out.flushes).toBeGreaterThan(1);
    expect(out.compactions).toBeGreaterThan(0);
    expect(out.n).toBe(3000);
  });

  it('passes on only the flags that do not concern the parent\'s own entry', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'x', '--import', 'tsx', '--require', './p.cjs', '--enable-source-maps', '-C', 'development', '--conditions=node', '--no-warnings'])).toEqual([
      '--enable-source-maps',
      '-C',
      'development',
      '--conditions=node',
      '--no-warnings',
    ]);
  });
});
