// fts5's table options against SQLite's FTS5 (better-sqlite3) over vega-datasets' movies:
// detail=column and detail=none, contentless tables (content='', rows deleted by the 'delete'
// command) and the trigram tokenizer answer generated queries with the same rows, bm25 and
// highlight() as SQLite's tables of the same options, refuse what fts5 refuses with its
// errors, and detail= below full keeps a smaller index.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Rng } from './support/sql-gen/random.js';

type Db = ReturnType<typeof DB>;
type Row = [number, string | null, string | null, string | null, string | null];

const movies: Row[] = (JSON.parse(readFileSync(resolve(__dirname, '../node_modules/vega-datasets/data/movies.json'), 'utf8')) as Record<string, string | number | null>[]).map((m, i) => [
  i + 1,
  m.Title === null ? null : String(m.Title),
  m.Director as string | null,
  m['Major Genre'] as string | null,
  m.Distributor as string | null,
]);
const COLS = ['title', 'director', 'genre', 'distributor'];
const words = (s: string | null): string[] => (s ?? '').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);

function genQuery(rng: Rng): string {
  const row = movies[rng.int(0, movies.length - 1)]!;
  const ws = words((row[rng.int(1, 4)] as string | null) ?? row[1]);
  const w = (): string => {
    const x = ws.length ? rng.pick(ws) : 'the';
    return ['and', 'or', 'not', 'near'].includes(x) ? `"${x}"` : x;
  };
  const atom = (): string => {
    switch (rng.int(0, 11)) {
      case 0:
        return ws.length >= 2 ? `"${ws[0]} ${ws[1]}"` : w();
      case 1: {
        const t = w().replace(/"/g, '');
        return t.length > 2 ? `${t.slice(0, rng.int(1, 3))}*` : w();
      }
      case 2:
        return `${rng.pick(COLS)} : ${w()}`;
      case 3:
        return `{${rng.sample(COLS, rng.int(1, 3)).join(' ')}} : ${w()}`;
      case 4:
        return `- ${rng.pick(COLS)} : ${w()}`;
      case 5:
        return `NEAR(${w()} ${w()}, 3)`;
      case 6:
        return `^${w()}`;
      default:
        return w();
    }
  };
  switch (rng.int(0, 7)) {
    case 0:
      return `${atom()} ${atom()}`;
    case 1:
      return `${atom()} OR ${atom()}`;
    case 2:
      return `${atom()} NOT ${atom()}`;
    case 3:
      return `(${atom()} OR ${atom()}) AND ${atom()}`;
    default:
      return atom();
  }
}

/** A trigram query: substrings of the corpus (some under three characters), combined. */
function genTrigram(rng: Rng): string {
  const sub = (): string => {
    const row = movies[rng.int(0, movies.length - 1)]!;
    const text = String(row[rng.int(1, 4)] ?? row[1] ?? 'the');
    const n = rng.int(1, 8);
    const at = rng.int(0, Math.max(0, text.length - n));
    const s = text.slice(at, at + n);
    const v = rng.chance(0.3) ? s.toUpperCase() : s;
    return `"${v.replace(/"/g, '""')}"`;
  };
  const atom = (): string => {
    switch (rng.int(0, 6)) {
      case 0:
        return `${sub()}*`;
      case 1:
        return `${rng.pick(COLS)} : ${sub()}`;
      case 2:
        return `NEAR(${sub()} ${sub()}, 4)`;
      default:
        return sub();
    }
  };
  switch (rng.int(0, 6)) {
    case 0:
      return `${atom()} ${atom()}`;
    case 1:
      return `${atom()} OR ${atom()}`;
    case 2:
      return `${atom()} NOT ${atom()}`;
    case 3:
      return `${atom()} AND ${atom()}`;
    default:
      return atom();
  }
}

type Hit = { rowid: number; score: number; h: string | null };
const sqlFor = (t: string, weights: string): string => `SELECT rowid, bm25(${t}${weights}) AS score, highlight(${t}, 0, '[', ']') AS h FROM ${t} WHERE ${t} MATCH ? ORDER BY score, rowid`;

function diff(query: string, want: Hit[] | string, got: Hit[] | string): string | undefined {
  if (typeof want === 'string' || typeof got === 'string') {
    if (typeof want === 'string' && typeof got === 'string') {
      // The detail= refusals must be fts5's own words; other errors (syntax) only both fail.
      return /not supported/.test(want) && !got.includes(want) ? `${query}: sqlite "${want}", dosql "${got}"` : undefined;
    }
    return `${query}: sqlite ${typeof want === 'string' ? want : `${want.length} rows`}, dosql ${typeof got === 'string' ? got : `${got.length} rows`}`;
  }
  if (want.length !== got.length) return `${query}: ${want.length} rows in sqlite, ${got.length} in dosql`;
  const w = new Map(want.map((h) => [h.rowid, h]));
  for (const h of got) {
    const s = w.get(h.rowid);
    if (!s) return `${query}: row ${h.rowid} only in dosql`;
    if (Math.abs(s.score - h.score) > 1e-9 * Math.max(1, Math.abs(s.score))) return `${query}: bm25 of ${h.rowid}: sqlite ${s.score}, dosql ${h.score}`;
    if (s.h !== h.h) return `${query}: highlight of ${h.rowid}: sqlite ${s.h}, dosql ${h.h}`;
  }
  return undefined;
}

async function indexBytes(db: Db, table: string): Promise<number> {
  const id = Number((await db.query<{ rootpage: number }>('SELECT rootpage FROM sqlite_master WHERE name = ?', [`${table}:fts5`]))[0]!.rootpage);
  let n = 0;
  for await (const e of (await db.engine()).scan(id)) n += e.rawKey.length + e.value.length;
  return n;
}

describe('fts5 options against SQLite FTS5 on movies.json', () => {
  let lite: Database.Database;
  let db: Db;
  const tables = { full: 'detail=full', col: 'detail=column', none: "detail='none'", cl: "content=''", clnone: "content='', detail=none", tri: "tokenize='trigram'", tricase: "tokenize='trigram case_sensitive 1'", tridia: "tokenize = 'trigram remove_diacritics 1', detail=column" };
  beforeAll(async () => {
    lite = new Database(':memory:');
    db = DB('fts-options', { storage: 'memory' });
    for (const [name, opt] of Object.entries(tables)) {
      const ddl = `CREATE VIRTUAL TABLE ${name} USING fts5(title, director, genre, distributor, ${opt})`;
      lite.exec(ddl);
      await db.exec(ddl);
      const ins = lite.prepare(`INSERT INTO ${name}(rowid, title, director, genre, distributor) VALUES (?, ?, ?, ?, ?)`);
      lite.transaction(() => movies.forEach((m) => ins.run(...m)))();
      for (let i = 0; i < movies.length; i += 500) {
        const chunk = movies.slice(i, i + 500);
        await db.run(`INSERT INTO ${name}(rowid, title, director, genre, distributor) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, chunk.flat());
      }
      if (opt.includes("content=''")) {
        // Contentless: rows leave by the 'delete' command with their values, as in fts5.
        const del = `INSERT INTO ${name}(${name}, rowid, title, director, genre, distributor) VALUES ('delete', ?, ?, ?, ?, ?)`;
        for (const m of movies.filter((r) => r[0] % 89 === 0)) {
          lite.prepare(del).run(...m);
          await db.run(del, m);
        }
        continue;
      }
      // Some updates and deletes, the same in both.
      for (const sql of [`UPDATE ${name} SET title = 'The Red Apple' WHERE rowid % 97 = 0`, `DELETE FROM ${name} WHERE rowid % 89 = 0`]) {
        lite.exec(sql);
        await db.run(sql);
      }
    }
  }, 120_000);
  afterAll(async () => {
    lite.close();
    await db.close();
  });

  for (const [name, label] of [
    ['col', 'detail=column'],
    ['none', 'detail=none'],
    ['cl', "content=''"],
    ['clnone', "content='', detail=none"],
    ['tri', "tokenize='trigram'"],
    ['tricase', "tokenize='trigram case_sensitive 1'"],
    ['tridia', "tokenize='trigram remove_diacritics 1', detail=column"],
  ] as const) {
    it(`${label}: 400 generated queries give SQLite's rows, bm25, highlight() and refusals`, async () => {
      const rng = new Rng(name.length * 7 + name.charCodeAt(0));
      const bad: string[] = [];
      let answered = 0;
      let refused = 0;
      for (let i = 0; i < 400; i++) {
        const query = name.startsWith('tri') ? genTrigram(rng) : genQuery(rng);
        const weights = rng.chance(0.3) ? `, ${rng.int(1, 8) / 2}, 1, ${rng.int(0, 4) / 2}, 2` : '';
        let want: Hit[] | string;
        try {
          want = lite.prepare(sqlFor(name, weights)).all(query) as Hit[];
          if (want.length) answered++;
        } catch (e) {
          want = (e as Error).message;
          if (/not supported/.test(want)) refused++;
        }
        let got: Hit[] | string;
        try {
          got = await db.query<Hit>(sqlFor(name, weights), [query]);
        } catch (e) {
          got = (e as Error).message;
        }
        const d = diff(`${name} MATCH '${query}'`, want, got);
        if (d) bad.push(d);
      }
      expect(bad.slice(0, 10)).toEqual([]);
      expect(answered).toBeGreaterThan(name === 'tridia' ? 15 : 120);
      if (name === 'col' || name === 'none' || name === 'clnone' || name === 'tridia') expect(refused).toBeGreaterThan(40);
    }, 120_000);
  }

  it('detail=column keeps a smaller index than full, and none a smaller one still', async () => {
    const full = await indexBytes(db, 'full');
    const col = await indexBytes(db, 'col');
    const none = await indexBytes(db, 'none');
    expect(col).toBeLessThan(full);
    expect(none).toBeLessThan(col);
  });

  it("a contentless table: NULL columns, count(*), UPDATE and DELETE refused, 'delete-all'", async () => {
    for (const sql of ['SELECT rowid, title, genre FROM cl ORDER BY rowid LIMIT 5', 'SELECT count(*) AS n FROM cl', "SELECT rowid, title, snippet(cl, 0, '[', ']', '…', 4) AS s FROM cl WHERE cl MATCH 'love' ORDER BY rowid"]) {
      expect(await db.query(sql)).toEqual(lite.prepare(sql).all());
    }
    for (const sql of ["UPDATE cl SET title = 'x' WHERE rowid = 1", 'DELETE FROM cl WHERE rowid = 1']) {
      expect(() => lite.prepare(sql).run()).toThrow(/contentless fts5 table: cl/);
      await expect(db.run(sql)).rejects.toThrow(/contentless fts5 table: cl/);
    }
    await db.run("INSERT INTO clnone(clnone) VALUES ('delete-all')");
    expect(await db.query("SELECT count(*) AS n FROM clnone WHERE clnone MATCH 'the OR love'")).toEqual([{ n: 0 }]);
    expect(await db.query('SELECT count(*) AS n FROM clnone')).toEqual([{ n: 0 }]);
  });

  it('a malformed detail= or trigram option is refused as fts5 does', async () => {
    await expect(db.exec('CREATE VIRTUAL TABLE bad USING fts5(a, detail=bogus)')).rejects.toThrow('fts5: malformed detail=... directive');
    for (const t of ['trigram case_sensitive 1 remove_diacritics 1', 'trigram foo 1', 'trigram case_sensitive 2']) {
      expect(() => lite.exec(`CREATE VIRTUAL TABLE bad USING fts5(a, tokenize='${t}')`)).toThrow('error in tokenizer constructor');
      await expect(db.exec(`CREATE VIRTUAL TABLE bad USING fts5(a, tokenize='${t}')`)).rejects.toThrow('fts5: error in tokenizer constructor');
    }
  });
});
