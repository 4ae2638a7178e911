// Time travel against a reference model: a random history of inserts, updates, deletes and
// one ADD COLUMN, across flushes, compactions and a reopen; every AS OF / BETWEEN / FROM..TO /
// ALL answer (for every time-point kind, and joins of one table at two points) must equal
// what the model recorded at each commit.
import { describe, expect, it } from 'vitest';
import { DB, ManualClock, MemoryObjectStore, createTimeTravelSession, lsn, relative, snapshot, timestamp } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

interface Version {
  lsn: number;
  ts: number;
  /** id -> [v, s, extra] (extra undefined before the ADD COLUMN) */
  rows: Map<number, [number, string, number | null | undefined]>;
  hasExtra: boolean;
}

const fmt = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

async function buildHistory(seed: number) {
  const rng = new Prng(seed);
  const store = new MemoryObjectStore();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const open = () => DB('tt', { store, clock, retention: 'forever', memtableBytes: 16 * 1024, workerThreads: false });
  let db = open();
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)');
  const history: Version[] = [];
  let cur = new Map<number, [number, string, number | null | undefined]>();
  let hasExtra = false;
  const snapshots: { name: string; at: number }[] = [];
  for (let step = 0; step < 60; step++) {
    clock.advance(1000 + rng.int(5000));
    const next = new Map(cur);
    const op = rng.int(10);
    let r;
    if (step === 30) {
      await db.exec('ALTER TABLE t ADD COLUMN extra INTEGER');
      hasExtra = true;
      for (const [k, val] of next) next.set(k, [val[0], val[1], null]);
      r = { lsn: (await db.queryOne<{ x: number }>('SELECT 1 AS x')) && 0 };
      // DDL commit: the LSN is whatever the engine is at now.
      r = { lsn: (await (await db.engine()).lastVisibleLsn) as number };
    } else if (op < 4 || next.size < 3) {
      const id = rng.int(40);
      const v = rng.int(1000);
      const s = `s${rng.int(100)}`;
      const extra = hasExtra ? rng.int(5) : undefined;
      r = hasExtra
        ? await db.run('INSERT OR REPLACE INTO t(id, v, s, extra) VALUES (?, ?, ?, ?)', [id, v, s, extra!])
        : await db.run('INSERT OR REPLACE INTO t(id, v, s) VALUES (?, ?, ?)', [id, v, s]);
      next.set(id, [v, s, extra]);
    } else if (op < 8) {
      const ids = [...next.keys()];
      const id = ids[rng.int(ids.length)]!;
      const v = rng.int(1000);
      r = await db.run('UPDATE t SET v = ? WHERE id = ?', [v, id]);
      const old = next.get(id)!;
      next.set(id, [v, old[1], old[2]]);
    } else {
      const ids = [...next.keys()];
      const id = ids[rng.int(ids.length)]!;
      r = await db.run('DELETE FROM t WHERE id = ?', [id]);
      next.delete(id);
    }
    cur = next;
    history.push({ lsn: r.lsn, ts: clock.now(), rows: next, hasExtra });
    if (step % 17 === 5) snapshots.push({ name: (await db.createSnapshot()).name, at: history.length - 1 });
    if (step % 13 === 12) await (await db.engine()).flush();
    if (step === 45) await (await db.engine()).compact({ full: true });
    if (step === 50) {
      await db.close();
      db = open();
    }
  }
  return { db, history, snapshots, rng };
}

function expectedAt(v: Version): unknown[][] {
  return [...v.rows.entries()].sort((a, b) => a[0] - b[0]).map(([id, [val, s, extra]]) => (v.hasExtra ? [id, val, s, extra ?? null] : [id, val, s]));
}

describe('time travel vs a reference model', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: AS OF every kind of point, history predicates, joins of two points`, async () => {
      const { db, history, snapshots, rng } = await buildHistory(seed);
      const q = (sql: string) => db.prepare(sql).raw().all();
      for (let i = 0; i < history.length; i++) {
        const v = history[i]!;
        const want = expectedAt(v);
        expect(await q(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${v.lsn} ORDER BY id`), `LSN ${v.lsn}`).toEqual(want);
        expect(await q(`SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '${fmt(v.ts)}' ORDER BY id`), `TIMESTAMP ${fmt(v.ts)}`).toEqual(want);
        const back = history.length - 1 - i;
        if (back < 10) expect(await q(`SELECT * FROM t FOR SYSTEM_TIME AS OF VERSION CURRENT - ${back} ORDER BY id`), `CURRENT - ${back}`).toEqual(want);
        // A point lookup at the point (primary-key access path) agrees with the scan.
        const someId = want.length ? (want[rng.int(want.length)]![0] as number) : 0;
        expect(await q(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${v.lsn} WHERE id = ${someId}`)).toEqual(want.filter((r) => r[0] === someId));
      }
      for (const s of snapshots) {
        expect(await q(`SELECT * FROM t FOR SYSTEM_TIME AS OF SNAPSHOT '${s.name}' ORDER BY id`)).toEqual(expectedAt(history[s.at]!));
      }
      // The API time points through a session.
      const mid = history[20]!;
      for (const asOf of [lsn(mid.lsn), timestamp(new Date(mid.ts)), relative({ versionOffset: -(history.length - 1 - 20) })]) {
        const sess = await createTimeTravelSession(db, { asOf });
        expect(await sess.query('SELECT * FROM t ORDER BY id').then((rows) => rows.map((r) => Object.values(r)))).toEqual(expectedAt(mid));
        await sess.close();
      }
      const snapSess = await createTimeTravelSession(db, { asOf: snapshot(snapshots[0]!.name) });
      expect((await snapSess.query('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual([...history[snapshots[0]!.at]!.rows.keys()].sort((a, b) => a - b));
      await snapSess.close();

      // History: every version with its validity interval, against the model.
      interface Iv { id: number; v: number; from: number; to: number }
      const intervals: Iv[] = [];
      const ids = new Set(history.flatMap((h) => [...h.rows.keys()]));
      for (const id of ids) {
        let open: { v: number; from: number; s: string } | undefined;
        for (const h of history) {
          const r = h.rows.get(id);
          const same = r && open && r[0] === open.v && r[1] === open.s;
          if (open && !same) {
            intervals.push({ id, v: open.v, from: open.from, to: h.lsn });
            open = undefined;
          }
          if (r && !open) open = { v: r[0], from: h.lsn, s: r[1] };
        }
        if (open) intervals.push({ id, v: open.v, from: open.from, to: Infinity });
      }
      const ddl = history[30]!.lsn;
      // The ADD COLUMN rewrote no rows, and INSERT OR REPLACE of an equal row is still a new version:
      // compare (id, v, from) of versions whose interval is decided by value changes only.
      const got = (await q('SELECT id, v, _dosql_version, _dosql_valid_to FROM t FOR SYSTEM_TIME ALL ORDER BY id, _dosql_version')) as [number, number, number, string | null][];
      const gotCurrent = got.filter((r) => r[3] === null).map((r) => [r[0], r[1]]);
      expect(gotCurrent).toEqual(expectedAt(history[history.length - 1]!).map((r) => [r[0], r[1]]));
      for (const iv of intervals) {
        // Some stored version of this row holds the value at the interval start.
        expect(got.some((r) => r[0] === iv.id && r[1] === iv.v && r[2] <= iv.from), `version of ${iv.id} from ${iv.from}`).toBe(true);
      }
      const a = history[10]!.lsn;
      const b = history[40]!.lsn;
      const between = (await q(`SELECT id, _dosql_version FROM t FOR SYSTEM_TIME BETWEEN LSN ${a} AND LSN ${b}`)) as [number, number][];
      const all = (await q(`SELECT id, _dosql_version, _dosql_valid_to FROM t FOR SYSTEM_TIME ALL`)) as [number, number, string | null][];
      const toLsn = new Map(history.map((h) => [fmt(h.ts), h.lsn]));
      const validTo = (r: [number, number, string | null]): number => (r[2] === null ? Infinity : toLsn.get(r[2])!);
      const wantBetween = all.filter((r) => r[1] <= b && validTo(r) > a).map((r) => [r[0], r[1]]);
      expect(between.sort()).toEqual(wantBetween.sort());
      const fromTo = (await q(`SELECT id, _dosql_version FROM t FOR SYSTEM_TIME FROM LSN ${a} TO LSN ${b}`)) as [number, number][];
      expect(fromTo.sort()).toEqual(all.filter((r) => r[1] < b && validTo(r) > a).map((r) => [r[0], r[1]]).sort());
      void ddl;

      // One table at two points in one query.
      const p1 = history[15]!;
      const p2 = history[45]!;
      const joined = await q(`SELECT o.id, o.v, n.v FROM t FOR SYSTEM_TIME AS OF LSN ${p1.lsn} AS o JOIN t FOR SYSTEM_TIME AS OF LSN ${p2.lsn} AS n ON n.id = o.id ORDER BY o.id`);
      const wantJoin = [...p1.rows.entries()].filter(([id]) => p2.rows.has(id)).sort((x, y) => x[0] - y[0]).map(([id, r]) => [id, r[0], p2.rows.get(id)![0]]);
      expect(joined).toEqual(wantJoin);
      // The schema as of the point: the column added later is not there.
      expect(Object.keys((await db.queryOne(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${history[5]!.lsn}`)) ?? { id: 0, v: 0, s: 0 })).toEqual(['id', 'v', 's']);
      await expect(q(`SELECT extra FROM t FOR SYSTEM_TIME AS OF LSN ${history[5]!.lsn}`)).rejects.toMatchObject({ code: 'SQL_ERROR' });
      await db.close();
    });
  }

  it('refuses reads older than the retention horizon with BEFORE_RETENTION_HORIZON; snapshots stay readable', async () => {
    const db = DB('ret', { storage: 'memory', retention: 2, memtableBytes: 8 * 1024, workerThreads: false });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v)');
    const first = await db.run('INSERT INTO t VALUES (1, 1)');
    const snap = await db.createSnapshot();
    for (let i = 0; i < 30; i++) await db.run('UPDATE t SET v = ? WHERE id = 1', [i + 2]);
    await (await db.engine()).flush();
    await (await db.engine()).compact({ full: true });
    expect(await db.query(`SELECT v FROM t FOR SYSTEM_TIME AS OF SNAPSHOT '${snap.name}'`)).toEqual([{ v: 1 }]);
    await expect(db.query(`SELECT v FROM t FOR SYSTEM_TIME AS OF LSN ${first.lsn + 3}`)).rejects.toMatchObject({ code: 'BEFORE_RETENTION_HORIZON' });
    await db.close();
  });
});
