// Backpressure: a consumer that stops reading while the writer runs far ahead. The subscription
// buffers at most maxBufferSize events and its pipeline stops reading the log (the records it
// fetched stay constant while 100,000 rows are written); when the consumer reads again every
// event arrives, in order, none twice. The push form pauses the same way, or fails with
// CDC_BUFFER_OVERFLOW (nothing dropped) and a position from which a new stream yields the rest.
import { describe, expect, it } from 'vitest';
import { createCDC, createCDCStream, type CDCError, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

const ROWS_PER_COMMIT = 100;

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function writeRows(db: Database, commits: number, first: number): Promise<void> {
  for (let c = 0; c < commits; c++) {
    const values: string[] = [];
    for (let i = 0; i < ROWS_PER_COMMIT; i++) values.push(`(${first + c * ROWS_PER_COMMIT + i}, 'v${i}')`);
    await db.run(`INSERT INTO t VALUES ${values.join(', ')}`);
  }
}

function open(): Database {
  return DB('bp', { store: new MemoryObjectStore(), workerThreads: false, durability: 'off', memtableBytes: 256 * 1024, retention: 0 });
}

describe('backpressure', () => {
  it('a stalled consumer: at most maxBufferSize events buffered, the log is no longer read, and after resuming every event arrives', async () => {
    const db = open();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await writeRows(db, 5, 0);
    const cdc = createCDC(db);
    const max = 64;
    const sub = cdc.subscribe({ maxBufferSize: max, batchSize: 8, includeTransactionControl: false });
    const it = sub.subscribe(1n)[Symbol.asyncIterator]();
    const got: WALEntry[] = [];
    for (let i = 0; i < 10; i++) got.push((await it.next()).value as WALEntry);
    await settle();
    const s0 = sub.getStatus();
    // The pipeline refills once the buffer is half empty; it reads ahead, up to the bound.
    expect(s0.bufferedEntries).toBeGreaterThanOrEqual(max / 2);
    expect(s0.bufferedEntries).toBeLessThanOrEqual(max);
    // The writer runs far ahead: 100,000 rows in 1,000 commits (flushes retire WAL segments).
    const heap0 = process.memoryUsage().heapUsed;
    await writeRows(db, 1000, 1_000_000);
    await settle();
    const s1 = sub.getStatus();
    expect(s1.bufferedEntries).toBeLessThanOrEqual(max);
    // Reading stopped: not one more record fetched while the consumer stalled.
    expect(s1.recordsRead).toBe(s0.recordsRead);
    expect(s1.recordsRead).toBeLessThanOrEqual(5 + 8);
    const engine = await db.engine();
    // The subscription pins the log it still needs: retired segments are retained.
    expect(engine.manifest.walHistory.length).toBeGreaterThan(0);
    if (process.env.CDC_BP_LOG) console.log(`stalled: buffered ${s1.bufferedEntries}/${max}, records read ${s1.recordsRead}, heap +${((process.memoryUsage().heapUsed - heap0) / 1e6).toFixed(1)} MB while 100,000 rows were written, retained WAL ${engine.manifest.walHistory.length} segments`);
    // Resume: everything arrives in order, once.
    const head = engine.lastVisibleLsn;
    for (;;) {
      const r = await it.next();
      const e = r.value as WALEntry;
      got.push(e);
      if (Number(e.lsn) === head && got.length === 5 * ROWS_PER_COMMIT + 1000 * ROWS_PER_COMMIT) break;
      expect(got.length).toBeLessThanOrEqual(5 * ROWS_PER_COMMIT + 1000 * ROWS_PER_COMMIT);
    }
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    for (let i = 1; i < got.length; i++) {
      const a = got[i - 1]!;
      const b = got[i]!;
      expect(b.lsn === a.lsn ? b.seq === a.seq + 1 : b.lsn === a.lsn + 1n && b.seq === 1).toBe(true);
    }
    expect(sub.getStatus().recordsRead).toBeGreaterThanOrEqual(1005);
    await it.return?.();
    // Closing the subscription released its pin: the retained log can go.
    await engine.flush();
    await engine.log.runRetention();
    expect(engine.manifest.walHistory).toEqual([]);
    await cdc.close();
    await db.close();
  }, 120_000);

  it('push form: pause() stops dispatch and reading; resume() delivers the rest; onBufferFull "error" fails with CDC_BUFFER_OVERFLOW and a resume position', async () => {
    const db = open();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await writeRows(db, 3, 0);
    const seen: string[] = [];
    let ended = false;
    const stream = createCDCStream(db, {
      fromLSN: 1n,
      maxBufferSize: 20,
      handler: {
        onChange: async (e) => {
          seen.push(e.id);
          if (seen.length === 5) stream.pause();
        },
        onEnd: () => {
          ended = true;
        },
      },
    });
    stream.start();
    await settle();
    expect(stream.getStatus().state).toBe('paused');
    expect(seen.length).toBe(5);
    const read0 = stream.getStatus().recordsRead;
    await writeRows(db, 50, 10_000);
    await settle();
    expect(stream.getStatus().bufferedEntries).toBeLessThanOrEqual(20);
    expect(stream.getStatus().recordsRead).toBe(read0);
    stream.resume();
    const head = (await db.engine()).lastVisibleLsn;
    while (stream.getStatus().currentLSN < BigInt(head) || stream.getStatus().position !== String(head)) await settle();
    expect(seen.length).toBe(53 * ROWS_PER_COMMIT);
    expect(new Set(seen).size).toBe(seen.length);
    await stream.stop();
    expect(ended).toBe(true);
    expect(stream.getStatus().state).toBe('stopped');

    // 'error': the paused stream fails once its buffer is full, and says where to resume.
    let failure: CDCError | undefined;
    const first: string[] = [];
    const from = (await db.engine()).lastVisibleLsn;
    await writeRows(db, 3, 50_000);
    const s2 = createCDCStream(db, {
      fromLSN: from,
      maxBufferSize: 10,
      onBufferFull: 'error',
      handler: {
        onChange: (e) => {
          first.push(e.id);
          if (first.length === 7) s2.pause();
        },
        onError: (e) => {
          failure = e;
        },
      },
    });
    s2.start();
    await s2.done;
    expect(failure?.code).toBe('CDC_BUFFER_OVERFLOW');
    expect(failure?.position).toBe(first.at(-1));
    expect(s2.getStatus().state).toBe('error');
    const rest: string[] = [];
    for await (const e of createCDC(db).subscribe({ after: failure!.position, includeTransactionControl: false })) {
      rest.push(e.id);
      if (rest.length === 10) break;
    }
    expect(rest[0]).toBe(`${from + 1}:${first.length + 1}`);
    await db.close();
  }, 120_000);
});
