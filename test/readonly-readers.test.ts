// Read-only readers beside a live writer (issue 22): one writer process commits without pause
// (flushing and compacting, so files are collected under the readers) while two API reader
// processes (`DB(dir, { readonly: true })`) and the CLI (`dosql sql`, a process per run) read.
// Every read must be one consistent snapshot (count(w) = c.total, sum(w.n) = c.sum: both
// change in each transaction), each reader's snapshots must only move forward, a read must see
// every commit acknowledged before it began, and the writer must never be fenced.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dosql-readers-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Snapshot {
  n: number;
  total: number;
  s: number | null;
  sum: number;
}

/** A child process speaking lines: `tag rest`. */
function child(script: string, args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'support', script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  proc.stdout.on('data', (b: Buffer) => {
    buffered += b.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const limit = Date.now() + 90_000;
    while (!cond()) {
      if (proc.exitCode !== null && !cond()) throw new Error(`${script} exited while waiting for ${what}: ${stderr}`);
      if (Date.now() > limit) throw new Error(`${script}: no ${what} within 90 s: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return {
    lines,
    until,
    async stop(): Promise<Record<string, unknown>> {
      proc.stdin.write('stop\n');
      await until(() => lines.some((l) => l.startsWith('done ')), 'done');
      await exited;
      return JSON.parse(lines.find((l) => l.startsWith('done '))!.slice(5)) as Record<string, unknown>;
    },
  };
}

const QUERY = 'SELECT (SELECT count(*) FROM w) AS n, (SELECT total FROM c) AS total, (SELECT sum(n) FROM w) AS s, (SELECT sum FROM c) AS sum';

/** One `dosql sql` run in its own process. */
function cli(dir: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(here, '..', 'bin', 'dosql.js'), 'sql', dir, QUERY, '--format', 'json']);
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

function consistent(r: Snapshot): boolean {
  return r.n === r.total && (r.s ?? 0) === r.sum;
}

describe('read-only readers beside a live writer', () => {
  it('three reader processes (API and CLI) see consistent snapshots that only move forward; the writer is never fenced', async () => {
    const dir = join(root, 'app');
    const writer = child('follow-writer-child.ts', [dir]);
    const acked = (): number => {
      const last = writer.lines.filter((l) => l.startsWith('n ')).at(-1);
      return last ? Number(last.slice(2)) : 0;
    };
    await writer.until(() => writer.lines.includes('ready'), 'first commit');
    const readers = [child('follow-reader-child.ts', [dir]), child('follow-reader-child.ts', [dir])];
    for (const r of readers) await r.until(() => r.lines.some((l) => l.startsWith('r ')), 'first read');

    const cliReads: Snapshot[] = [];
    for (let i = 0; i < 4; i++) {
      const before = acked();
      const r = await cli(dir);
      expect(r.code, r.err).toBe(0);
      const snap = (JSON.parse(r.out) as Snapshot[])[0]!;
      expect(consistent(snap), JSON.stringify(snap)).toBe(true);
      expect(snap.n).toBeGreaterThanOrEqual(before);
      cliReads.push(snap);
    }
    for (let i = 1; i < cliReads.length; i++) expect(cliReads[i]!.n).toBeGreaterThanOrEqual(cliReads[i - 1]!.n);

    // Keep going until the writer has flushed and compacted under the readers a while longer.
    const target = acked() + 400;
    await writer.until(() => acked() >= target, `${target} commits`);
    const ends = await Promise.all(readers.map((r) => r.stop()));
    const end = await writer.stop();

    expect(end.failures).toEqual([]);
    // Files were collected under the readers: flushes retired WAL segments, compactions deleted SSTables.
    expect(end.flushes as number).toBeGreaterThan(3);
    expect(end.filesDeleted as number).toBeGreaterThan(0);
    for (const [i, r] of readers.entries()) {
      expect(ends[i]!.failures).toEqual([]);
      const snaps = r.lines.filter((l) => l.startsWith('r ')).map((l) => JSON.parse(l.slice(2)) as Snapshot);
      expect(snaps.length).toBeGreaterThan(10);
      for (const s of snaps) expect(consistent(s), JSON.stringify(s)).toBe(true);
      for (let k = 1; k < snaps.length; k++) expect(snaps[k]!.n, `reader ${i} read ${k}`).toBeGreaterThanOrEqual(snaps[k - 1]!.n);
      expect(snaps.at(-1)!.n).toBeGreaterThan(snaps[0]!.n);
    }
    // After the writer closed, a reader sees every acknowledged commit.
    const last = DB('app', { path: dir, readonly: true });
    const [final] = await last.query<Snapshot>(QUERY);
    expect(final).toEqual({ n: end.ok, total: end.ok, s: ((end.ok as number) * ((end.ok as number) + 1)) / 2, sum: ((end.ok as number) * ((end.ok as number) + 1)) / 2 });
    await last.close();
  }, 240_000);

  it('refuses writes with READ_ONLY, never claims an epoch, and follows the writer in one process', async () => {
    const dir = join(root, 'one');
    const w = DB('one', { path: dir, memtableBytes: 4096 });
    await w.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const epochBefore = (await w.engine()).epoch;
    const r = DB('one', { path: dir, readonly: true });
    for (const sql of ['INSERT INTO t(v) VALUES (1)', 'CREATE TABLE u(a)', 'DELETE FROM t']) {
      const e = await r.run(sql).catch((x: unknown) => x);
      expect(e, sql).toBeInstanceOf(DoSQLError);
      expect((e as DoSQLError).code).toBe('READ_ONLY');
    }
    await expect(r.createSnapshot('s')).rejects.toMatchObject({ code: 'READ_ONLY' });
    await expect(r.compact()).rejects.toMatchObject({ code: 'READ_ONLY' });
    for (let i = 0; i < 200; i++) {
      const { lsn } = await w.run('INSERT INTO t(v) VALUES (?)', ['x'.repeat(64)]);
      // Each statement on the reader catches up first: it sees the commit just acknowledged.
      const [row] = await r.query<{ n: number }>('SELECT count(*) AS n FROM t');
      expect(row!.n).toBe(i + 1);
      expect((await r.engine()).lastVisibleLsn).toBe(lsn);
    }
    // The schema follows too, across flushes (commits the reader never saw in the WAL).
    await w.exec('CREATE TABLE later(a); INSERT INTO later VALUES (7)');
    await w.compact({ full: true });
    expect(await r.query('SELECT a FROM later')).toEqual([{ a: 7 }]);
    // The writer was never fenced and no epoch was claimed by the reader.
    expect((await w.engine()).epoch).toBe(epochBefore);
    await w.run('INSERT INTO t(v) VALUES (1)');
    await r.close();
    await w.close();
    await expect(Promise.resolve().then(() => DB('none', { path: join(root, 'missing'), readonly: true }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
