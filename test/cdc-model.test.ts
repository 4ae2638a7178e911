// Model-based test of change data capture: a random SQL workload (inserts, updates with key
// changes, deletes, upserts, REPLACE, multi-statement transactions, rollbacks, savepoints, DDL:
// CREATE/DROP TABLE, ADD/DROP/RENAME COLUMN, RENAME TABLE, CREATE/DROP INDEX) on rowid,
// INTEGER PRIMARY KEY and WITHOUT ROWID tables, with flushes, compactions, cold compactions
// and reopens in between. A consumer replays the typed stream onto a replica built from the
// events alone; at every commit LSN L the replica equals `SELECT ... FOR SYSTEM_TIME AS OF LSN
// L` of every table, and every before image equals the replica's row (the previous committed
// row). The consumer resumes by event id across reopens and at random points inside commits.
// Then: a fresh replay from LSN 0 (a slot kept the log) gives the same events; resuming from
// every k-th LSN gives exactly the suffix.
import { describe, expect, it } from 'vitest';
import { createCDC, type CDC, type CDCEvent } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { Prng } from '../src/util/prng.js';
import { canonEvent, keyString, Replica } from './support/cdc-replica.js';

interface TableModel {
  name: string;
  kind: 'ipk' | 'rowid' | 'wr';
  /** Data columns that may be updated (added ones included). */
  cols: string[];
  /** Added columns that may be dropped or renamed. */
  extra: string[];
  index?: string;
}

class Workload {
  readonly tables = new Map<string, TableModel>();
  /** Every name a table ever had (the oracle asks each whether it exists at L). */
  readonly names = new Set<string>();
  private n = 0;
  constructor(private readonly r: Prng) {}

  setup(): string[] {
    this.add({ name: 'a', kind: 'ipk', cols: ['u', 'v'], extra: [] });
    this.add({ name: 'b', kind: 'rowid', cols: ['x', 'y'], extra: [] });
    this.add({ name: 'c', kind: 'wr', cols: ['v'], extra: [] });
    return [
      'CREATE TABLE a(id INTEGER PRIMARY KEY, u TEXT UNIQUE, v INT)',
      'CREATE TABLE b(x TEXT, y REAL)',
      'CREATE TABLE c(k TEXT, j INT, v, PRIMARY KEY (k, j)) WITHOUT ROWID',
    ];
  }

  private add(t: TableModel): void {
    this.tables.set(t.name, t);
    this.names.add(t.name);
  }

  private value(): string {
    const r = this.r;
    switch (r.int(6)) {
      case 0:
        return 'NULL';
      case 1:
        return String(r.int(1000));
      case 2:
        return `'s${r.int(50)}'`;
      case 3:
        return `x'${r.int(256).toString(16).padStart(2, '0')}ff'`;
      case 4:
        return r.chance(0.5) ? '9007199254740993' : String(r.int(100) / 4);
      default:
        return String(-r.int(50));
    }
  }

  /** One DML statement on a random table. */
  dml(): string {
    const r = this.r;
    const t = r.pick([...this.tables.values()]);
    const k = r.int(12);
    const setCol = r.pick(t.cols);
    switch (t.kind) {
      case 'ipk':
        return r.pick([
          `INSERT INTO ${t.name}(id, u, v) VALUES (${k}, 'u${r.int(12)}', ${this.value()})`,
          `INSERT OR REPLACE INTO ${t.name}(id, u, v) VALUES (${k}, 'u${r.int(12)}', ${this.value()})`,
          `INSERT INTO ${t.name}(id, u, v) VALUES (${k}, 'w${r.int(40)}', ${this.value()}) ON CONFLICT(id) DO UPDATE SET v = excluded.v`,
          `UPDATE ${t.name} SET ${setCol} = ${setCol === 'u' ? `'z${r.int(40)}'` : this.value()} WHERE id % 3 = ${r.int(3)}`,
          `UPDATE ${t.name} SET id = id + 20 WHERE id = ${k}`,
          `DELETE FROM ${t.name} WHERE id = ${k}`,
        ]);
      case 'rowid':
        return r.pick([
          `INSERT INTO ${t.name}(x, y) VALUES ('x${r.int(9)}', ${r.int(100) / 2})`,
          `INSERT INTO ${t.name}(x, y) VALUES ('x${r.int(9)}', ${r.int(100) / 2}), ('x${r.int(9)}', ${this.value()})`,
          `UPDATE ${t.name} SET ${setCol} = ${this.value()} WHERE rowid % 4 = ${r.int(4)}`,
          `DELETE FROM ${t.name} WHERE rowid = ${1 + r.int(10)}`,
        ]);
      default:
        return r.pick([
          `INSERT INTO ${t.name}(k, j, v) VALUES ('k${r.int(4)}', ${r.int(4)}, ${this.value()}) ON CONFLICT (k, j) DO UPDATE SET v = excluded.v`,
          `INSERT OR REPLACE INTO ${t.name}(k, j, v) VALUES ('k${r.int(4)}', ${r.int(4)}, ${this.value()})`,
          `UPDATE ${t.name} SET j = j + 10 WHERE k = 'k${r.int(4)}' AND j < 3`,
          `UPDATE ${t.name} SET ${setCol} = ${this.value()} WHERE j = ${r.int(4)}`,
          `DELETE FROM ${t.name} WHERE k = 'k${r.int(4)}'`,
        ]);
    }
  }

  /** One DDL statement (the model follows it; a failing one is rare and harmless). */
  ddl(): string {
    const r = this.r;
    const t = r.pick([...this.tables.values()]);
    const id = ++this.n;
    switch (r.int(6)) {
      case 0: {
        const col = `e${id}`;
        t.cols.push(col);
        t.extra.push(col);
        return r.chance(0.5) ? `ALTER TABLE ${t.name} ADD COLUMN ${col} TEXT DEFAULT 'd${id}'` : `ALTER TABLE ${t.name} ADD COLUMN ${col} INT DEFAULT ${id}`;
      }
      case 1: {
        const col = t.extra.shift();
        if (!col) return this.dml();
        t.cols.splice(t.cols.indexOf(col), 1);
        return `ALTER TABLE ${t.name} DROP COLUMN ${col}`;
      }
      case 2: {
        const col = t.extra.pop();
        if (!col) return this.dml();
        const to = `r${id}`;
        t.extra.push(to);
        t.cols[t.cols.indexOf(col)] = to;
        return `ALTER TABLE ${t.name} RENAME COLUMN ${col} TO ${to}`;
      }
      case 3: {
        if (t.kind !== 'rowid') return this.dml();
        if (t.index) {
          const ix = t.index;
          delete t.index;
          return `DROP INDEX ${ix}`;
        }
        t.index = `ix${id}`;
        return `CREATE INDEX ${t.index} ON ${t.name}(y)`;
      }
      case 4: {
        const d = [...this.tables.values()].find((x) => x.name.startsWith('d'));
        if (d) {
          this.tables.delete(d.name);
          return `DROP TABLE ${d.name}`;
        }
        this.add({ name: `d${id}`, kind: 'ipk', cols: ['u', 'v'], extra: [] });
        return `CREATE TABLE d${id}(id INTEGER PRIMARY KEY, u TEXT, v)`;
      }
      default: {
        const d = [...this.tables.values()].find((x) => x.name.startsWith('d'));
        if (!d) return this.dml();
        this.tables.delete(d.name);
        const to = `d${id}`;
        this.add({ ...d, name: to });
        return `ALTER TABLE ${d.name} RENAME TO ${to}`;
      }
    }
  }
}

/** The typed stream of one database, consumed incrementally, checked against AS OF queries. */
class Consumer {
  readonly replica = new Replica();
  readonly events: string[] = [];
  last: { lsn: number; seq: number; commit: boolean } = { lsn: 0, seq: 0, commit: true };
  private it: AsyncIterator<CDCEvent> | undefined;
  private cdc: CDC | undefined;
  commitsChecked = 0;
  resumes = 0;

  constructor(
    private readonly r: Prng,
    private readonly names: Set<string>,
    /** History is collected (retention 0): only the head can be read AS OF. */
    private readonly headOnly: boolean,
  ) {}

  private open(db: Database): void {
    this.cdc = createCDC(db);
    const after = this.last.lsn === 0 ? undefined : `${this.last.lsn}:${this.last.seq}`;
    this.it = this.cdc.subscribe({ ...(after ? { after } : {}), safeIntegers: true, maxBufferSize: 1 + this.r.int(50), batchSize: 1 + this.r.int(20) }).subscribeChanges()[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    await this.it?.return?.();
    await this.cdc?.close();
    this.it = undefined;
  }

  /** Reads every event up to the head's COMMIT, checking as it goes. */
  async catchUp(db: Database): Promise<void> {
    const head = (await db.engine()).lastVisibleLsn;
    while (!(this.last.commit && this.last.lsn >= head)) {
      if (!this.it) this.open(db);
      const r = await this.it!.next();
      expect(r.done).toBe(false);
      const e = r.value as CDCEvent;
      this.check(e);
      this.replica.apply(e);
      this.events.push(canonEvent(e));
      this.last = { lsn: Number(e.lsn), seq: e.seq, commit: e.type === 'commit' };
      if (e.type === 'commit') await this.compare(db, Number(e.lsn));
      else if (this.r.chance(0.03)) {
        // Stop inside a commit and resume after the last event seen.
        await this.close();
        this.resumes++;
      }
    }
  }

  /** Positions advance one by one: BEGIN at seq 0, then seq + 1, COMMIT, next LSN. */
  private check(e: CDCEvent): void {
    const l = Number(e.lsn);
    expect(e.id).toBe(`${l}:${e.seq}`);
    if (this.last.commit) {
      expect([l, e.seq, e.type]).toEqual([this.last.lsn + 1, 0, 'begin']);
    } else {
      expect([l, e.seq]).toEqual([this.last.lsn, this.last.seq + 1]);
    }
  }

  /** The replica at L equals every table AS OF LSN L. */
  private async compare(db: Database, lsn: number): Promise<void> {
    if (this.headOnly && lsn !== (await db.engine()).lastVisibleLsn) return;
    const present: string[] = [];
    for (const name of this.names) {
      let rows: Record<string, unknown>[];
      try {
        rows = await db.query(`SELECT rowid AS __rowid, * FROM ${name} FOR SYSTEM_TIME AS OF LSN ${lsn}`, undefined, { safeIntegers: true });
      } catch (e) {
        if (/no such table/.test((e as Error).message)) continue;
        if (/no such column: rowid/.test((e as Error).message)) rows = await db.query(`SELECT * FROM ${name} FOR SYSTEM_TIME AS OF LSN ${lsn}`, undefined, { safeIntegers: true });
        else throw e;
      }
      present.push(name);
      const want = rows
        .map((row) => {
          const { __rowid, ...rest } = row;
          const key = __rowid !== undefined ? keyString([__rowid as bigint]) : keyString([rest.k as string, rest.j as bigint]);
          return { key, row: rest };
        })
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      expect(this.replica.rowsOf(name), `table ${name} at LSN ${lsn}`).toEqual(want);
    }
    expect(this.replica.tableNames(), `tables at LSN ${lsn}`).toEqual(present.sort());
    this.commitsChecked++;
  }
}

async function runModel(seed: number, steps: number, retention: 'forever' | 0 = 'forever'): Promise<void> {
  const r = new Prng(seed);
  const store = new MemoryObjectStore();
  const open = (): Database => DB('cdcmodel', { store, retention, memtableBytes: 6 * 1024, workerThreads: false, durability: 'off' });
  let db = open();
  const w = new Workload(r);
  for (const s of w.setup()) await db.exec(s);
  // A slot at 0 keeps the whole log for the fresh replay at the end.
  await createCDC(db).slots.createSlot('verify', 0);
  const consumer = new Consumer(r, w.names, retention === 0);
  let failures = 0;
  const attempt = async (f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      if (db.inTransaction) await db.exec('ROLLBACK');
      if (!(e instanceof Error) || !/^sql:|rollback requested/.test(e.message)) throw e;
      failures++;
    }
  };
  for (let i = 0; i < steps; i++) {
    const x = r.int(100);
    if (x < 55) await attempt(() => db.run(w.dml()));
    else if (x < 67) {
      const n = 2 + r.int(3);
      const abort = r.chance(0.25);
      await attempt(() =>
        db.transaction(async (tx) => {
          for (let j = 0; j < n; j++) await tx.run(r.chance(0.3) ? w.ddl() : w.dml()).catch((e: Error) => {
            if (!/^sql:/.test(e.message)) throw e;
          });
          if (abort) throw new Error('rollback requested');
        }),
      );
    } else if (x < 75) {
      const [s1, s2, s3] = [w.dml(), w.dml(), w.dml()];
      await attempt(() => db.exec(`BEGIN; ${s1}; SAVEPOINT sp; ${s2}; ROLLBACK TO sp; ${s3}; COMMIT`));
    } else if (x < 85) await attempt(() => db.exec(w.ddl()));
    else if (x < 89) await (await db.engine()).flush();
    else if (x < 92) await (await db.engine()).compact({ full: r.chance(0.5) });
    else if (x < 94) await (await db.engine()).compact({ tier: 'cold' });
    else if (x < 97) {
      await consumer.catchUp(db);
      await consumer.close();
      await db.close();
      db = open();
    }
    if (r.chance(0.3)) await consumer.catchUp(db);
  }
  await consumer.catchUp(db);
  await consumer.close();
  if (process.env.CDC_MODEL_LOG) console.log(`seed ${seed}: ${consumer.events.length} events, ${consumer.commitsChecked} commits checked, ${consumer.replica.counts.beforeChecked} before images checked, ${consumer.replica.counts.schema} schema events, ${consumer.resumes} resumes inside a commit, ${failures} statements failed`);
  expect(consumer.commitsChecked).toBeGreaterThan(retention === 0 ? steps / 10 : steps / 3);
  expect(consumer.replica.counts.beforeChecked).toBeGreaterThan(20);
  expect(consumer.replica.counts.schema).toBeGreaterThan(5);

  // A fresh replay from 0 equals what the resumed consumer saw, event for event.
  const cdc = createCDC(db);
  const head = (await db.engine()).lastVisibleLsn;
  const all: string[] = [];
  const lsnOf: number[] = [];
  for await (const e of cdc.subscribe({ safeIntegers: true }).subscribeChanges(0n)) {
    all.push(canonEvent(e));
    lsnOf.push(Number(e.lsn));
    if (e.type === 'commit' && Number(e.lsn) === head) break;
  }
  expect(all).toEqual(consumer.events);
  // Resuming from every k-th LSN yields exactly the suffix.
  const k = Math.max(1, Math.floor(head / 12));
  for (let from = 0; from < head; from += k) {
    const got: string[] = [];
    for await (const e of cdc.subscribe({ safeIntegers: true, maxBufferSize: 7 }).subscribeChanges(from)) {
      got.push(canonEvent(e));
      if (e.type === 'commit' && Number(e.lsn) === head) break;
    }
    expect(got).toEqual(all.filter((_, i) => lsnOf[i]! > from));
  }
  const stats = await cdc.stats();
  expect(stats.unclassifiedOps).toBe(0);
  expect(stats.beforeImageReads).toBe(0);
  await cdc.close();
  await db.close();
}

describe('change data capture replays the model', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the replica equals AS OF LSN at every commit; resume and fresh replay agree`, async () => {
      await runModel(seed, 250);
    }, 120_000);
  }
  // Retention 0: compaction collects every overwritten row version, yet before images stay
  // exact (they are in the log, not read back), and replays from old positions decode with the
  // catalog as it was (its history is exempt from collection).
  for (const seed of [4, 5]) {
    it(`seed ${seed}, retention 0: before images and old schemas survive garbage collection`, async () => {
      await runModel(seed, 250, 0);
    }, 120_000);
  }
});
