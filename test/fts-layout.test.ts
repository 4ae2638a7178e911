// The fts5 index's format version 2 (docs/format/fts.md): document sets as portable roaring
// bitmaps that roaring-wasm reads and writes too; the index versioned with its rows (AS OF
// every past LSN and a branch answer as SQLite's FTS5 built over the rows of that point); a
// document updated or deleted leaves no trace in the bitmaps; deferred bitmap writes undone
// with their statement or savepoint; an index in format version 1 refused with a typed error.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { RoaringBitmap32, roaringLibraryInitialize } from 'roaring-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTimeTravelSession, DB, DoSQLError, lsn } from '../src/index.js';
import { decodeUserKey, encodeUserKey } from '../src/mvcc/internal-key.js';
import { decodeDocset } from '../src/search/fts-store.js';
import { decodeBitmap, encodeSegment } from '../src/search/roaring-portable.js';
import { Rng } from './support/sql-gen/random.js';

type Db = ReturnType<typeof DB>;
type Doc = [string | null, string | null, string | null, string | null];

const movies: Doc[] = (JSON.parse(readFileSync(resolve(__dirname, '../node_modules/vega-datasets/data/movies.json'), 'utf8')) as Record<string, string | number | null>[]).map((m) => [
  m.Title === null ? null : String(m.Title),
  m.Director as string | null,
  m['Major Genre'] as string | null,
  m.Distributor as string | null,
]);
const COLS = ['title', 'director', 'genre', 'distributor'];
const words = (s: string | null): string[] => (s ?? '').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);

function genQuery(rng: Rng, docs: readonly Doc[]): string {
  const d = docs[rng.int(0, docs.length - 1)] ?? movies[0]!;
  const ws = words(d[rng.int(0, 3)] ?? d[0]);
  const w = (): string => {
    const x = ws.length ? rng.pick(ws) : 'the';
    return ['and', 'or', 'not', 'near'].includes(x) ? `"${x}"` : x;
  };
  switch (rng.int(0, 8)) {
    case 0:
      return ws.length >= 2 ? `"${ws[0]} ${ws[1]}"` : w();
    case 1:
      return `${w().replace(/"/g, '').slice(0, 2)}*`;
    case 2:
      return `${w()} OR ${w()}`;
    case 3:
      return `${w()} NOT ${w()}`;
    case 4:
      return `${rng.pick(COLS)} : ${w()}`;
    case 5:
      return `NEAR(${w()} ${w()}, 2)`;
    case 6:
      return `${w()} AND ${w()}`;
    default:
      return w();
  }
}

type Hit = { rowid: number; score: number };
const SQL = (t: string): string => `SELECT rowid, bm25(${t}) AS score FROM ${t} WHERE ${t} MATCH ? ORDER BY score, rowid`;

/** SQLite FTS5 over `rows`: the answer for `query`, or its error message. */
function oracle(rows: ReadonlyMap<number, Doc>, queries: readonly string[]): (Hit[] | string)[] {
  const lite = new Database(':memory:');
  lite.exec('CREATE VIRTUAL TABLE m USING fts5(title, director, genre, distributor)');
  const ins = lite.prepare('INSERT INTO m(rowid, title, director, genre, distributor) VALUES (?, ?, ?, ?, ?)');
  lite.transaction(() => rows.forEach((d, id) => ins.run(id, ...d)))();
  const out = queries.map((q) => {
    try {
      return lite.prepare(SQL('m')).all(q) as Hit[];
    } catch (e) {
      return (e as Error).message;
    }
  });
  lite.close();
  return out;
}

function same(query: string, want: Hit[] | string, got: Hit[] | string): string | undefined {
  if (typeof want === 'string' || typeof got === 'string') return typeof want === typeof got ? undefined : `${query}: sqlite ${JSON.stringify(want).slice(0, 80)}, dosql ${JSON.stringify(got).slice(0, 80)}`;
  if (want.length !== got.length) return `${query}: ${want.length} rows in sqlite, ${got.length} in dosql`;
  const w = new Map(want.map((h) => [h.rowid, h.score]));
  for (const h of got) {
    const s = w.get(h.rowid);
    if (s === undefined) return `${query}: row ${h.rowid} only in dosql`;
    if (Math.abs(s - h.score) > 1e-9 * Math.max(1, Math.abs(s))) return `${query}: bm25 of ${h.rowid}: sqlite ${s}, dosql ${h.score}`;
  }
  return undefined;
}

async function answers(q: (sql: string, p: unknown[]) => Promise<unknown[]>, queries: readonly string[]): Promise<(Hit[] | string)[]> {
  const out: (Hit[] | string)[] = [];
  for (const query of queries) {
    try {
      out.push((await q(SQL('m'), [query])) as Hit[]);
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  return out;
}

async function indexId(db: Db, name: string): Promise<number> {
  const r = await db.query<{ rootpage: number }>('SELECT rootpage FROM sqlite_master WHERE name = ?', [name]);
  return Number(r[0]!.rootpage);
}

/** term → rowids in the index's bitmaps (all columns), read raw from the engine. */
async function bitmaps(db: Db, name: string): Promise<Map<string, Set<number>>> {
  const engine = await db.engine();
  const out = new Map<string, Set<number>>();
  for await (const e of engine.scan(await indexId(db, name), { prefix: [2n] })) {
    const [, term, , seg] = decodeUserKey(e.rawKey).key as [bigint, string, bigint, bigint];
    let s = out.get(term);
    if (!s) out.set(term, (s = new Set()));
    for (const low of decodeDocset(e.value, 'test')) s.add(Number(seg) * 65536 + low);
  }
  return out;
}

describe('fts5 index format version 2', () => {
  beforeAll(async () => {
    await roaringLibraryInitialize();
  });

  it('document sets are portable roaring bitmaps: roaring-wasm reads ours and we read its', () => {
    const rng = new Rng(3);
    const shapes: number[][] = [[0], [65535], [0, 65535], Array.from({ length: 65536 }, (_, i) => i)];
    for (let i = 0; i < 40; i++) {
      const n = rng.int(1, 9000);
      const s = new Set<number>();
      const dense = rng.chance(0.3);
      let at = rng.int(0, 60000);
      while (s.size < n) {
        if (dense) s.add(at++ % 65536);
        else s.add(rng.int(0, 65535));
      }
      shapes.push([...s].sort((a, b) => a - b));
    }
    for (const values of shapes) {
      const ours = encodeSegment(values);
      const theirs = RoaringBitmap32.deserialize(ours, 'portable');
      expect(Array.from(theirs.toUint32Array())).toEqual(values);
      for (const optimize of [false, true]) {
        const bm = new RoaringBitmap32(values);
        if (optimize) bm.runOptimize();
        expect(decodeBitmap(bm.serialize('portable'))).toEqual(values);
        bm.dispose();
      }
      // Never larger than roaring-wasm's own run-optimized encoding.
      const opt = new RoaringBitmap32(values);
      opt.runOptimize();
      expect(ours.length).toBeLessThanOrEqual(opt.serialize('portable').length);
      opt.dispose();
      theirs.dispose();
    }
    expect(() => decodeBitmap(Uint8Array.of(1, 2, 3, 4))).toThrow(DoSQLError);
  });

  it('AS OF every step (a time-travel session and FOR SYSTEM_TIME on the table) and on a branch: the same rows and bm25 as SQLite FTS5 over that point', async () => {
    const rng = new Rng(11);
    const db = DB('fts-v2-model', { storage: 'memory' });
    await db.exec('CREATE VIRTUAL TABLE m USING fts5(title, director, genre, distributor)');
    const model = new Map<number, Doc>();
    const history: { lsn: number; rows: Map<number, Doc> }[] = [];
    const pool = movies.slice(0, 400);
    let branchModel: Map<number, Doc> | undefined;
    const step = async (m: Map<number, Doc>): Promise<number> => {
      const id = rng.int(1, 150);
      const doc = rng.pick(pool);
      const kind = rng.int(0, 9);
      if (kind < 3 && m.has(id)) {
        m.delete(id);
        return (await db.run('DELETE FROM m WHERE rowid = ?', [id])).lsn;
      }
      if (kind < 6 && m.has(id)) {
        const title = rng.pick(pool)[0];
        m.set(id, [title, ...m.get(id)!.slice(1)] as Doc);
        return (await db.run('UPDATE m SET title = ? WHERE rowid = ?', [title, id])).lsn;
      }
      m.set(id, doc);
      return (await db.run('INSERT OR REPLACE INTO m(rowid, title, director, genre, distributor) VALUES (?, ?, ?, ?, ?)', [id, ...doc])).lsn;
    };
    for (let i = 0; i < 400; i++) {
      history.push({ lsn: await step(model), rows: new Map(model) });
      if (i === 150) await db.checkpoint();
      if (i === 250) {
        await db.branch('b');
        await db.checkout('b');
        branchModel = new Map(model);
        for (let k = 0; k < 60; k++) await step(branchModel);
        await db.checkout('main');
      }
    }
    const bad: string[] = [];
    const check = async (rows: Map<number, Doc>, run: (sql: string, p: unknown[]) => Promise<unknown[]>, label: string): Promise<void> => {
      const queries = Array.from({ length: 25 }, () => genQuery(rng, [...rows.values()]));
      const want = oracle(rows, queries);
      const got = await answers(run, queries);
      queries.forEach((q, i) => {
        const f = same(`${label} ${q}`, want[i]!, got[i]!);
        if (f) bad.push(f);
      });
    };
    for (const at of [0, 40, 120, 151, 200, 251, 330, 399].map((i) => history[i]!)) {
      const s = await createTimeTravelSession(db, { asOf: lsn(at.lsn) });
      await check(at.rows, (sql, p) => s.query(sql, p as never), `AS OF LSN ${at.lsn}:`);
      await s.close();
      // The same point named on the table reference, read from the live database.
      const asOf = (sql: string): string => sql.replace(' FROM m WHERE', ` FROM m FOR SYSTEM_TIME AS OF LSN ${at.lsn} WHERE`);
      await check(at.rows, (sql, p) => db.query(asOf(sql), p as never), `FROM m FOR SYSTEM_TIME AS OF LSN ${at.lsn}:`);
    }
    await check(model, (sql, p) => db.query(sql, p as never), 'main:');
    // Main's bitmaps hold exactly its rows, and each row under exactly its terms.
    const terms = new Map<number, Set<string>>();
    for (const [term, ids] of await bitmaps(db, 'm:fts5')) for (const id of ids) (terms.get(id) ?? terms.set(id, new Set()).get(id)!).add(term);
    for (const [id, doc] of model) if (JSON.stringify([...(terms.get(id) ?? [])].sort()) !== JSON.stringify([...new Set(doc.flatMap(words))].sort())) bad.push(`main: row ${id}'s bitmaps`);
    for (const id of terms.keys()) if (!model.has(id)) bad.push(`main: ${id} (gone) still in a bitmap`);
    await db.checkout('b');
    await check(branchModel!, (sql, p) => db.query(sql, p as never), 'branch b:');
    expect(bad.slice(0, 10)).toEqual([]);
    await db.close();
  }, 240_000);

  it("an updated and a deleted document leave their old terms' bitmaps", async () => {
    const db = DB('fts-v2-gone', { storage: 'memory' });
    await db.exec('CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE f USING fts5(body, content=docs, content_rowid=id)');
    // Rowids in three segments, one past 2^32 (the bitmaps hold rowid >> 16 segments).
    await db.run("INSERT INTO docs VALUES (7, 'alpha beta'), (70000, 'alpha gamma'), (5000000000, 'beta gamma'), (8, 'delta')");
    let b = await bitmaps(db, 'f');
    expect([...b.get('alpha')!].sort()).toEqual([7, 70000]);
    expect([...b.get('gamma')!].sort()).toEqual([5000000000, 70000]);
    await db.run("UPDATE docs SET body = 'epsilon beta' WHERE id = 70000");
    await db.run('DELETE FROM docs WHERE id = 5000000000');
    b = await bitmaps(db, 'f');
    expect([...b.get('alpha')!]).toEqual([7]);
    expect(b.has('gamma')).toBe(false); // an emptied bitmap is deleted, not stored empty
    expect([...b.get('beta')!].sort()).toEqual([7, 70000]);
    expect([...b.get('epsilon')!]).toEqual([70000]);
    expect(await db.query("SELECT rowid FROM f WHERE f MATCH 'gamma OR alpha' ORDER BY rowid")).toEqual([{ rowid: 7 }]);
    expect(await db.query("SELECT rowid FROM f WHERE f MATCH 'beta NOT alpha'")).toEqual([{ rowid: 70000 }]);
    await db.close();
  });

  it('bitmap writes are undone with their statement and savepoint', async () => {
    const db = DB('fts-v2-undo', { storage: 'memory' });
    await db.exec('CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT UNIQUE); CREATE VIRTUAL TABLE f USING fts5(body, content=docs, content_rowid=id)');
    await db.run("INSERT INTO docs VALUES (1, 'kept')");
    // The second row violates UNIQUE: the statement's first row and its bitmap bits go too.
    await expect(db.run("INSERT INTO docs VALUES (2, 'lost words'), (3, 'kept')")).rejects.toThrow(/UNIQUE/);
    // The same inside a transaction, which goes on: the failed statement's deferred bits must not.
    await db.exec('BEGIN');
    await expect(db.run("INSERT INTO docs VALUES (12, 'stray terms'), (13, 'kept')")).rejects.toThrow(/UNIQUE/);
    await db.exec('COMMIT');
    await db.exec("BEGIN; INSERT INTO docs VALUES (4, 'early'); SAVEPOINT s; INSERT INTO docs VALUES (5, 'late words'); ROLLBACK TO s; INSERT INTO docs VALUES (6, 'after'); COMMIT");
    const b = await bitmaps(db, 'f');
    expect([...b.keys()].sort()).toEqual(['after', 'early', 'kept']);
    expect(await db.query("SELECT rowid FROM f WHERE f MATCH 'words OR kept OR early OR after' ORDER BY rowid")).toEqual([{ rowid: 1 }, { rowid: 4 }, { rowid: 6 }]);
    // A read later in the same transaction sees the transaction's own rows.
    await db.exec('BEGIN');
    await db.run("INSERT INTO docs VALUES (9, 'fresh')");
    expect(await db.query("SELECT rowid, bm25(f) < 0 AS neg FROM f WHERE f MATCH 'fresh'")).toEqual([{ rowid: 9, neg: 1 }]);
    await db.exec('ROLLBACK');
    expect(await db.query("SELECT rowid FROM f WHERE f MATCH 'fresh'")).toEqual([]);
    await db.close();
  });

  it('an index in format version 1 is refused with a typed error naming it and the rebuild', async () => {
    const db = DB('fts-v1', { storage: 'memory' });
    await db.exec('CREATE VIRTUAL TABLE notes USING fts5(body)');
    await db.run("INSERT INTO notes(body) VALUES ('hello world')");
    const engine = await db.engine();
    const id = await indexId(db, 'notes:fts5');
    // What version 1 wrote for one row: a posting (0, term, rowid) and a size (1, rowid); no totals.
    const txn = engine.begin();
    for await (const e of engine.scan(id)) txn.delete(e.rawKey);
    txn.put(encodeUserKey(0, id, [0n, 'hello', 1n]), Uint8Array.of(0, 1, 0));
    txn.put(encodeUserKey(0, id, [1n, 1n]), Uint8Array.of(1));
    await txn.commit();
    const e = await db.query("SELECT rowid FROM notes WHERE notes MATCH 'hello'").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe('UNSUPPORTED_FORMAT_VERSION');
    expect((e as DoSQLError).message).toMatch(/index notes:fts5 .*format version 1.*INSERT INTO notes\(notes\) VALUES\('rebuild'\)/);
    // The rebuild it names converts the index: version 1's keys gone, the content indexed.
    await db.run("INSERT INTO notes(notes) VALUES ('rebuild')");
    expect(await db.query("SELECT rowid, bm25(notes) < 0 AS neg FROM notes WHERE notes MATCH 'hello'")).toEqual([{ rowid: 1, neg: 1 }]);
    const tags = new Set<number>();
    for await (const x of engine.scan(id)) tags.add(Number(x.key[0]));
    expect([...tags].sort()).toEqual([2, 3, 4]);
    await expect(db.run("INSERT INTO notes(notes) VALUES ('frobnicate')")).rejects.toThrow(/fts5: unknown command "frobnicate"/);
    await db.close();
  });
  it('an external-content index read FOR SYSTEM_TIME AS OF joins its content at that point; ALL and ranges are refused', async () => {
    const db = DB('fts-asof-content', { storage: 'memory' });
    await db.exec('CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE f USING fts5(body, content=docs, content_rowid=id)');
    const at = (await db.run("INSERT INTO docs VALUES (1, 'red fox'), (2, 'red hen')")).lsn;
    await db.exec("DELETE FROM docs WHERE id = 1; INSERT INTO docs VALUES (3, 'red deer')");
    const q = (point: string): Promise<unknown[]> => db.query(`SELECT rowid, body FROM f ${point} WHERE f MATCH 'red' ORDER BY rowid`);
    expect(await q(`FOR SYSTEM_TIME AS OF LSN ${at}`)).toEqual([{ rowid: 1, body: 'red fox' }, { rowid: 2, body: 'red hen' }]);
    expect(await q('')).toEqual([{ rowid: 2, body: 'red hen' }, { rowid: 3, body: 'red deer' }]);
    for (const clause of ['FOR SYSTEM_TIME ALL', `FOR SYSTEM_TIME BETWEEN LSN 1 AND LSN ${at}`]) {
      await expect(q(clause)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    }
    await db.close();
  });
});
