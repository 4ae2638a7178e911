// Exactly-once delivery across crashes, in process with a fault-injecting store: the writer's
// store "dies" at a random call (every later call fails; a torn append may be left), while a
// consumer follows a replication slot, persisting each event to its sink before acknowledging
// it. The consumer also dies at random points (between receiving an event and persisting it).
// After reopening, the consumer resumes after the last position in its sink. Over every
// trial: every acknowledged commit's events are in the sink exactly once, in order; nothing
// from a commit the reopened database lacks; the sink replayed equals the table.
import { describe, expect, it } from 'vitest';
import { createCDC, type CDC, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { FaultInjectingStore } from '../src/storage/fault-store.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { Prng } from '../src/util/prng.js';

interface SinkEvent {
  id: string;
  lsn: number;
  seq: number;
  op: string;
  key?: number;
  after?: Record<string, unknown>;
}

function open(store: ObjectStore): Database {
  return DB('crash', { store, durability: 'full', workerThreads: false, memtableBytes: 8 * 1024, retention: 0 });
}

/** The consumer: pulls from the slot, appends to its sink, then acknowledges. */
class Consumer {
  readonly sink: SinkEvent[] = [];
  deaths = 0;
  constructor(private readonly r: Prng) {}

  /** Runs until `stop()` resolves true at a COMMIT, or the stream fails (the writer died). */
  async run(cdc: CDC, stopAt: () => number | null): Promise<void> {
    for (;;) {
      const last = this.sink.at(-1);
      let sub;
      try {
        sub = await cdc.slots.subscribeFromSlot('c', last ? { after: last.id } : {});
      } catch {
        return;
      }
      let died = false;
      try {
        for await (const e of sub.subscribe() as AsyncIterable<WALEntry>) {
          if (this.r.chance(0.02)) {
            // Dies after receiving, before persisting: the event must come again.
            died = true;
            this.deaths++;
            break;
          }
          this.sink.push({ id: e.id, lsn: Number(e.lsn), seq: e.seq, op: e.op, ...(e.after ? { after: JSON.parse(String(e.after)) as Record<string, unknown> } : {}), ...(e.op === 'DELETE' ? { key: (JSON.parse(String(e.before)) as { id: number }).id } : {}) });
          if (this.r.chance(0.3)) await cdc.slots.updateSlot('c', e);
          const stop = stopAt();
          if (e.op === 'COMMIT' && stop !== null && Number(e.lsn) >= stop) return;
        }
      } catch {
        return; // the writer's store died under the stream
      } finally {
        await sub.close();
      }
      if (!died) return;
    }
  }
}

async function trial(seed: number): Promise<{ acked: number; events: number; deaths: number; extra: number }> {
  const r = new Prng(seed);
  const inner = new MemoryObjectStore();
  const faulty = new FaultInjectingStore(inner, { seed });
  let db = open(faulty);
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
  let cdc = createCDC(db);
  await cdc.slots.createSlot('c', 0n);
  const consumer = new Consumer(r);
  // The writer's store dies at a random call from here on.
  faulty.setRules([{ op: '*', kind: 'crash', nth: 20 + r.int(400) }]);
  const acked = new Map<number, string>();
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const id = r.int(30);
      const sql = r.pick([`INSERT OR REPLACE INTO t VALUES (${id}, ${i})`, `UPDATE t SET v = ${i} WHERE id % 5 = ${id % 5}`, `DELETE FROM t WHERE id = ${id}`]);
      try {
        const res = await db.run(sql);
        if (res.changes > 0) acked.set(res.lsn, sql);
      } catch {
        return; // crashed (or fenced out by the crash): unacknowledged
      }
    }
  })();
  const following = consumer.run(cdc, () => null);
  await writer;
  writing = false;
  // The writer is dead: nothing more will commit in this process; the consumer stops too.
  await cdc.close();
  await following;
  await db.close().catch(() => undefined);
  // Reopen on what the store holds; the consumer resumes after its sink.
  db = open(inner);
  cdc = createCDC(db);
  const engine = await db.engine();
  const head = engine.lastVisibleLsn;
  if (!consumer.sink.length || consumer.sink.at(-1)!.lsn < head || consumer.sink.at(-1)!.op !== 'COMMIT') await consumer.run(cdc, () => head);
  // Positions: strictly increasing, contiguous, starting at the first commit.
  const s = consumer.sink;
  expect(s[0]!.id).toBe('1:0');
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1]!;
    const b = s[i]!;
    if (a.op === 'COMMIT') expect([b.lsn, b.seq], `${a.id} -> ${b.id}`).toEqual([a.lsn + 1, 0]);
    else expect([b.lsn, b.seq], `${a.id} -> ${b.id}`).toEqual([a.lsn, a.seq + 1]);
  }
  expect(s.at(-1)!.lsn).toBe(head);
  // Every acknowledged commit is there; nothing beyond the reopened database's head.
  const lsns = new Set(s.map((e) => e.lsn));
  for (const l of acked.keys()) expect(lsns.has(l), `acknowledged commit ${l} (${acked.get(l)})`).toBe(true);
  // The sink replayed equals the table.
  const replica = new Map<number, unknown>();
  for (const e of s) {
    if (e.op === 'INSERT' || e.op === 'UPDATE') replica.set(e.after!.id as number, e.after);
    else if (e.op === 'DELETE') replica.delete(e.key!);
  }
  const rows = await db.query('SELECT * FROM t ORDER BY id');
  expect([...replica.values()].sort((a, b) => (a as { id: number }).id - (b as { id: number }).id)).toEqual(rows);
  const extra = [...lsns].filter((l) => l > 1 && !acked.has(l)).length;
  await cdc.close();
  await db.close();
  return { acked: acked.size, events: s.length, deaths: consumer.deaths, extra };
}

describe('change data capture across crashes', () => {
  it('100 trials: writer crashes at random store calls, consumer dies at random events; exactly once from the slot', async () => {
    const totals = { acked: 0, events: 0, deaths: 0, extra: 0 };
    const trials = Number(process.env.CDC_CRASH_TRIALS ?? 100);
    for (let seed = 1; seed <= trials; seed++) {
      const t = await trial(seed);
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += t[k];
    }
    if (process.env.CDC_CRASH_LOG) console.log(`${trials} trials: ${totals.acked} acknowledged commits, ${totals.events} events delivered, ${totals.deaths} consumer deaths, ${totals.extra} commits not acknowledged but durable (in flight at the crash, or no-op writes)`);
    expect(totals.acked).toBeGreaterThan(trials * 10);
    expect(totals.deaths).toBeGreaterThan(trials / 10);
  }, 300_000);
});
