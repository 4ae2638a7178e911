// `dosql import --load ingest|insert`: the bulk loader (default) and batched INSERTs give the
// same table from the same CSV; a table the loader refuses (not empty) goes in by INSERT with a
// note; a duplicate key in the file loads nothing through the loader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-cli-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

async function dosql(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin = new PassThrough();
  stdin.end('');
  const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: join(root, 'home') };
  const code = await main(args, io).catch((e: unknown) => {
    err.push(Buffer.from(String(e)));
    return 1;
  });
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

async function rows(db: string, sql: string): Promise<unknown[]> {
  const r = await dosql(['sql', db, sql, '--format', 'json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as unknown[];
}

const CREATE = 'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, tag)';

describe('dosql import --load', () => {
  const lines = ['id,name,score,tag'];
  // ids out of order, numeric text in a REAL column and in an untyped one, empty fields
  for (let i = 0; i < 3000; i++) {
    const id = (i * 7919) % 3001;
    lines.push(`${id},n${id},${i % 5 === 0 ? '' : (id / 4).toString()},${i % 3 === 0 ? '12' : `t${i % 9}`}`);
  }
  writeFileSync(join(root, 'rows.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(root, 'dup.csv'), 'id,name,score,tag\n1,a,1,x\n2,b,2,y\n1,c,3,z\n');

  it('ingest and insert load the same table', async () => {
    const a = await dosql(['import', 'ing', 'rows.csv', '--table', 't', '--create-sql', CREATE, '--quiet']);
    expect(a.err).toBe('');
    expect(a.out).toMatch(/^imported 3,000 rows into t \(created\)/);
    const b = await dosql(['import', 'ins', 'rows.csv', '--table', 't', '--create-sql', CREATE, '--load', 'insert', '--quiet']);
    expect(b.code).toBe(0);
    const q = 'SELECT id, name, score, tag, typeof(score) AS ts, typeof(tag) AS tt FROM t ORDER BY id';
    const want = await rows('ins', q);
    expect(want).toHaveLength(3000);
    expect(await rows('ing', q)).toEqual(want);
    expect(await rows('ing', "SELECT count(*) AS n FROM t WHERE tag = 12")).toEqual(await rows('ins', "SELECT count(*) AS n FROM t WHERE tag = 12"));
  });

  it('a table that is not empty goes in by INSERT, with a note', async () => {
    const r = await dosql(['import', 'ing', 'dup.csv', '--table', 't', '--quiet']);
    // rows 1 and 2 exist: the INSERT path fails on the first batch, nothing of it commits
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/UNIQUE constraint failed: t\.id/);
    const ok = join(root, 'more.csv');
    writeFileSync(ok, 'id,name,score,tag\n5000,x,1,q\n');
    const m = await dosql(['import', 'ing', 'more.csv', '--table', 't', '--quiet']);
    expect(m.code).toBe(0);
    expect(m.err).toMatch(/note: rows inserted in transactions \(table t is not empty\)/);
    expect(await rows('ing', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 3001 }]);
  });

  it('a duplicate key in the file loads nothing through the bulk loader', async () => {
    const r = await dosql(['import', 'dupdb', 'dup.csv', '--table', 't', '--create-sql', CREATE, '--batch', '2', '--quiet']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/UNIQUE constraint failed: t\.id/);
    expect(await rows('dupdb', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
  });
});
