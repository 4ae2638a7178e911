// Child of the CDC kill -9 test (scripts/cdc-crash-harness.ts). Opens the database in
// `<dir>/db` (durability 'full'), creates its slots and tables if absent, then runs in one
// process
//   - a writer committing random multi-row transactions on two tables, printing `ack <lsn>`
//     after each COMMIT that changed rows resolves;
//   - a consumer following slot `c`: it collects events into batches, appends each batch to
//     `<dir>/sink.jsonl` and fsyncs it, and only then acknowledges the slot (updateSlot). The
//     sink is idempotent: it skips events at or before the last position it holds (the slot
//     lags the sink when a kill lands between the fsync and the acknowledgement).
// It prints `R` when both run, and `P <phase> <lsn>` as the consumer moves through a batch
// (received, written, acked; the LSN of the last event in its sink), until the parent kills
// it with SIGKILL.
// Mode `drain` runs no writer: the consumer reads up to the head, then the child exits 0.
// Slot `keep` stays at 0 so the log keeps every commit (the parent compares the sink with a
// fresh read of the stream from LSN 0).
import { closeSync, fsyncSync, openSync, readFileSync, existsSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createCDC, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import { Prng } from '../src/util/prng.js';
import { comparePos, sinkRecord, type SinkRecord } from './cdc-crash-sink.js';

const [dir, seedArg, mode] = process.argv.slice(2);
const r = new Prng(Number(seedArg ?? 1));
const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

const db = DB('cdc-crash', { path: join(dir!, 'db'), durability: 'full', memtableBytes: 16 * 1024 });
const cdc = createCDC(db);
// Slots before tables: from the first commit on, `keep` holds the whole log.
for (const name of ['keep', 'c']) if (!(await cdc.slots.getSlot(name))) await cdc.slots.createSlot(name, 0n);
await db.exec('CREATE TABLE IF NOT EXISTS a(id INTEGER PRIMARY KEY, v INT, s TEXT)');
await db.exec('CREATE TABLE IF NOT EXISTS b(id INTEGER PRIMARY KEY, w REAL)');

// ---------------------------------------------------------------- sink
const sinkPath = join(dir!, 'sink.jsonl');
let last: SinkRecord | undefined;
if (existsSync(sinkPath)) {
  // A kill can tear the last line; a real append-only sink drops the torn tail on restart.
  const text = readFileSync(sinkPath, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(sinkPath, end);
  const lines = text.slice(0, end).split('\n').filter((l) => l.length > 0);
  if (lines.length > 0) last = JSON.parse(lines.at(-1)!) as SinkRecord;
}
const sinkFd = openSync(sinkPath, 'a');

// ---------------------------------------------------------------- consumer
const slow = mode !== 'drain' && r.chance(0.4);
async function consume(untilLSN?: bigint): Promise<void> {
  const sub = await cdc.slots.subscribeFromSlot('c', untilLSN === undefined ? {} : { untilLSN });
  let batch: SinkRecord[] = [];
  let lastEntry: WALEntry | undefined;
  let limit = 1 + r.int(20);
  const flush = async (): Promise<void> => {
    out(`P received ${last?.lsn ?? 0}`);
    if (r.chance(0.5)) await sleep(r.int(slow ? 120 : 15));
    writeSync(sinkFd, batch.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(sinkFd);
    last = batch.at(-1);
    out(`P written ${last!.lsn}`);
    if (r.chance(0.5)) await sleep(r.int(slow ? 120 : 15));
    await cdc.slots.updateSlot('c', lastEntry!);
    out(`P acked ${last!.lsn}`);
    if (slow) await sleep(r.int(100));
    batch = [];
    limit = 1 + r.int(20);
  };
  try {
    for await (const e of sub.subscribe() as AsyncIterable<WALEntry>) {
      const rec = sinkRecord(e);
      if (last !== undefined && comparePos(rec, last) <= 0) continue;
      batch.push(rec);
      lastEntry = e;
      if (batch.length >= limit || e.op === 'COMMIT') await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await sub.close();
  }
}

// ---------------------------------------------------------------- writer
async function write(): Promise<void> {
  for (let i = 0; ; i++) {
    await db.run('BEGIN');
    let changes = 0;
    for (let s = 1 + r.int(4); s > 0; s--) {
      const id = r.int(40);
      const sql = r.pick([
        `INSERT OR REPLACE INTO a VALUES (${id}, ${i}, 'x${i}-${s}'), (${(id + 7) % 40}, ${-i}, NULL)`,
        `INSERT OR REPLACE INTO b VALUES (${id}, ${i / 4})`,
        `UPDATE a SET v = v + 1, s = 'u${i}' WHERE id % 6 = ${id % 6}`,
        `UPDATE b SET w = w * 2 WHERE id BETWEEN ${id} AND ${id + 5}`,
        `DELETE FROM a WHERE id BETWEEN ${id} AND ${id + 2}`,
        `DELETE FROM b WHERE id = ${id}`,
      ]);
      changes += (await db.run(sql)).changes;
    }
    const res = await db.run('COMMIT');
    if (changes > 0) out(`ack ${res.lsn}`);
    if (r.chance(0.2)) await sleep(r.int(10));
  }
}

if (mode === 'drain') {
  const head = (await db.engine()).lastVisibleLsn;
  await consume(BigInt(head));
  closeSync(sinkFd);
  await cdc.close();
  await db.close();
  out('done');
} else {
  out('R');
  // A slow consumer sometimes also starts late, so the kill finds it far behind.
  const start = slow && r.chance(0.5) ? sleep(r.int(800)) : Promise.resolve();
  await Promise.all([write(), start.then(() => consume())]);
}
