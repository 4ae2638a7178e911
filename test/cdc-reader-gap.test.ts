// A change stream on a read-only reader across a writer's flush: the commits the writer made
// and flushed between two of the reader's catch-ups are not in the WAL the reader replays (the
// new manifest starts after them), so they never reach the reader's commit feed. The stream
// must still yield every commit, in order, exactly once (here from the WAL archive), never
// jump over them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCDC, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-cdc-gap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('change stream on a read-only reader', () => {
  it('yields the commits flushed between two catch-ups', { timeout: 30_000 }, async () => {
    const path = join(root, 'db');
    const writer = DB('gap', { path, walArchive: true, archiveRetention: 'forever', workerThreads: false });
    await writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const reader = DB('gap', { path, readonly: true });
    await reader.open();
    const cdc = createCDC(reader);
    const seen: bigint[] = [];
    const it = cdc.subscribe({ includeTransactionControl: false })[Symbol.asyncIterator]();
    let target = 0n;
    let wake: () => void = () => undefined;
    let failure: unknown;
    const pump = (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        seen.push((r.value as WALEntry).lsn);
        if ((r.value as WALEntry).lsn >= target) wake();
      }
    })().catch((e: unknown) => {
      failure = e;
      wake();
    });
    const until = async (lsn: number): Promise<void> => {
      target = BigInt(lsn);
      for (let tries = 0; (seen.at(-1) ?? 0n) < target; tries++) {
        if (failure) throw failure;
        // Bounded: a stream that stopped short fails the comparison below instead of hanging.
        if (tries > 250) break;
        await reader.query('SELECT count(*) FROM t');
        await new Promise<void>((res) => {
          wake = res;
          setTimeout(res, 20);
        });
      }
    };
    let last = 0;
    for (let i = 0; i < 3; i++) last = (await writer.run('INSERT INTO t (v) VALUES (?)', [`a${i}`])).lsn;
    await until(last);
    // Between the reader's catch-ups: commits, a flush that retires their WAL, more commits.
    for (let i = 0; i < 3; i++) await writer.run('INSERT INTO t (v) VALUES (?)', [`b${i}`]);
    await writer.checkpoint();
    for (let i = 0; i < 2; i++) last = (await writer.run('INSERT INTO t (v) VALUES (?)', [`c${i}`])).lsn;
    await until(last);
    // Every commit (the CREATE TABLE's DDL event included), once each, in order.
    expect(seen).toEqual(Array.from({ length: last }, (_, i) => BigInt(i + 1)));
    // Closing the stream ends the subscription's pending read (the pump stops).
    await cdc.close();
    await reader.close();
    await pump;
    await writer.close();
  });
});
