// json1 (https://sqlite.org/json1.html) against SQLite: every scalar function and the ->/->>
// operators on seeded random documents (strict JSON, JSON5, malformed text), with paths that
// exist, are missing or are malformed (error messages compared), values that must be quoted or
// nested by their subtype, documents stored in tables (no subtype), the aggregates
// json_group_array / json_group_object (grouped, windowed, nesting subtyped arguments), and
// json_valid / json_error_position on every prefix of valid documents. The generators make the
// inputs; only better-sqlite3 says what the answer is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OraclePair } from './support/oracle-pair.js';
import { genJsonCall } from './support/sql-gen/json-call-gen.js';
import { genJsonDoc, genJsonPath, genJsonSqlValue, sqlText, type JsonDoc } from './support/sql-gen/json-gen.js';
import { Rng } from './support/sql-gen/random.js';

const BAD_PATHS = ['', 'a', '$x', '$.', '$[', '$[a]', '$[-1]', '$[#+1]', '$[1', '$.a[', '$."a', '$..a', '$.a.', '$[ 1]', '$[#-]', '$a', '.a', '[0]', '$ ', '$.a b', '$**', '$.a[0]x', "$.'a'", '$[0x1]'];

/** Functions taking a path, with `P` where it goes (document `D`). */
const PATH_CALLS = [
  'json_extract(D, P)',
  "json_extract(D, '$', P)",
  'D -> P',
  'D ->> P',
  'json_type(D, P)',
  'json_array_length(D, P)',
  'json_set(D, P, 1)',
  "json_insert(D, '$.a', 1, P, 2)",
  'json_replace(D, P, json_array(1))',
  'json_remove(D, P)',
  'json_array_insert(D, P, 0)',
  'jsonb_extract(D, P)',
  'json_set(jsonb(D), P, 1)',
];

const PATH_DOCS = ['{"a":[1,{"b":2}],"c":"x"}', '[1,[2,3],{"a":null}]', '7', '"s"', '{}', '[]', '{"a":1,}', 'not json'];

describe('json1 agrees with SQLite', () => {
  let p: OraclePair;

  beforeAll(async () => {
    p = await OraclePair.open('json-test', ['CREATE TABLE docs(id INTEGER PRIMARY KEY, d TEXT, b BLOB, k TEXT, n)']);
    const r = new Rng(18);
    for (let id = 1; id <= 60; id++) {
      const doc = genJsonDoc(r, r.chance(0.8) ? 'strict' : 'json5');
      const k = r.pick(['a', 'b', 'c', 'a b', '', 'é']);
      const n = r.pick(["'1'", '2', '2.5', 'NULL', "'x'", "'[1]'"]);
      await p.both(`INSERT INTO docs VALUES (${id}, ${sqlText(doc.text)}, jsonb(${sqlText(doc.text)}), ${sqlText(k)}, ${n})`);
    }
  });
  afterAll(async () => {
    await p.close();
  });

  it.each([1, 2, 3, 4, 5, 6])('scalar functions and operators on generated documents (seed %i)', async (seed) => {
    const r = new Rng(seed);
    const sqls: string[] = [];
    for (let i = 0; i < 120; i++) {
      const doc = genJsonDoc(r);
      for (let j = 0; j < 8; j++) sqls.push(`SELECT ${genJsonCall(r, doc, sqlText(doc.text))}`);
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('documents as bound parameters: text, JSONB blobs, numbers, NULL', async () => {
    const r = new Rng(99);
    const bad: string[] = [];
    for (let i = 0; i < 150; i++) {
      const doc = genJsonDoc(r);
      const call = genJsonCall(r, doc, '?1');
      const blob = p.oracle('SELECT jsonb(?1)', [doc.text]);
      const params = r.chance(0.3) && 'rows' in blob ? blob.rows[0]![0]! : r.chance(0.1) ? r.pick([1n, 2.5, null]) : doc.text;
      // better-sqlite3 binds `?` positions only: one value per occurrence.
      const uses = call.split('?1').length - 1;
      const why = await p.disagree(`SELECT ${call.replaceAll('?1', '?')}`, new Array(uses).fill(params));
      if (why) bad.push(`${why}\n  with ?1 = ${String(params)}`);
    }
    expect(bad).toEqual([]);
  });

  it('documents read from a table column (stored values carry no subtype)', async () => {
    const r = new Rng(7);
    const docs = (p.oracle('SELECT d FROM docs') as { rows: string[][] }).rows.map((row) => row[0]!);
    const sqls: string[] = [];
    for (let i = 0; i < 250; i++) {
      const text = r.pick(docs);
      const doc: JsonDoc = { text, paths: genJsonDoc(r).paths.concat(pathsOf(text)), labels: ['a', 'b', 'x', 'tags'] };
      const col = r.pick(['d', 'd', 'b']);
      sqls.push(`SELECT id, ${genJsonCall(r, doc, col)} FROM docs${r.chance(0.3) ? ` WHERE id % ${r.int(2, 5)} = 0` : ''}`);
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('malformed paths fail with SQLite message in every function taking a path', async () => {
    const sqls: string[] = [];
    for (const call of PATH_CALLS) {
      for (const doc of PATH_DOCS) {
        for (const path of [...BAD_PATHS, '$', '$.a', '$[1]', '$[#-1]', '$.a[1].b', '$[9]', '$[#]', '$."c"', '$.c[0]']) {
          sqls.push(`SELECT ${call.replace('D', () => sqlText(doc)).replace('P', () => sqlText(path))}`);
        }
      }
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('json_valid and json_error_position on every prefix and one-character edit of valid documents', async () => {
    const r = new Rng(5);
    const sqls: string[] = [];
    for (let i = 0; i < 25; i++) {
      // By code point: cutting a surrogate pair would make text neither engine can hold.
      const text = [...genJsonDoc(r, i % 3 === 0 ? 'json5' : 'strict').text].slice(0, 60);
      for (let k = 0; k <= text.length; k++) {
        const cut = sqlText(text.slice(0, k).join(''));
        const edit = sqlText(text.slice(0, k).join('') + r.pick(['"', ',', ']', '}', 'x', ' ', "'", '/']) + text.slice(k + 1).join(''));
        sqls.push(`SELECT json_valid(${cut}), json_valid(${cut}, 2), json_valid(${cut}, 6), json_error_position(${cut}), json_error_position(${edit}), json_valid(${edit}, 1)`);
      }
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('nesting depth: 1000 levels parse, 1001 do not', async () => {
    const nest = (n: number, open: string, close: string): string => `replace(hex(zeroblob(${n})), '00', '${open}') || replace(hex(zeroblob(${n})), '00', '${close}')`;
    const sqls = [998, 999, 1000, 1001, 2000].flatMap((n) => [
      `SELECT json_valid(${nest(n, '[', ']')})`,
      `SELECT json_error_position(${nest(n, '[', ']')})`,
      `SELECT length(json(${nest(n, '[', ']')}))`,
      `SELECT json_array_length(${nest(n, '[', ']')})`,
      `SELECT length(json_array(json(${nest(n, '[', ']')})))`,
    ]);
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('json_group_array and json_group_object: plain, grouped, filtered, DISTINCT, windowed, nesting JSON arguments', async () => {
    const r = new Rng(11);
    const values = ['d', 'json(d)', 'b', 'id', 'n', 'k', "d -> '$'", "d ->> '$'", "d -> '$.a'", "d ->> '$[0]'", 'json_array(id, n)', "json_object('k', k)", 'jsonb(d)', 'NULL', "CASE WHEN id % 2 THEN json(d) ELSE k END", 'coalesce(NULL, json(d))'];
    const sqls: string[] = [];
    for (const v of values) {
      sqls.push(`SELECT json_group_array(${v}) FROM docs WHERE json_valid(d)`);
      sqls.push(`SELECT id % 4, json_group_array(${v}) FROM docs GROUP BY 1 ORDER BY 1`);
      sqls.push(`SELECT json_group_object(k || id, ${v}) FROM docs WHERE id < 20`);
      sqls.push(`SELECT json_group_array(${v}) FILTER (WHERE id % 3 = 0) FROM docs`);
      sqls.push(`SELECT id, json_group_array(${v}) OVER (ORDER BY id ROWS 2 PRECEDING) FROM docs WHERE id < 15`);
      sqls.push(`SELECT id, json_group_object(CAST(id AS TEXT), ${v}) OVER (PARTITION BY id % 2 ORDER BY id) FROM docs WHERE id < 12`);
      sqls.push(`SELECT json_array(json_group_array(${v}), json_group_object('x', ${v})) FROM docs WHERE id < 6`);
    }
    for (let i = 0; i < 30; i++) sqls.push(`SELECT json_group_array(x) FROM (SELECT ${genJsonSqlValue(r)} AS x UNION ALL SELECT ${genJsonSqlValue(r)})`);
    sqls.push(
      'SELECT json_group_array(DISTINCT k) FROM docs',
      'SELECT json_group_object(n, id) FROM docs',
      'SELECT json_group_object(k, id) FROM docs WHERE 0',
      'SELECT json_group_array(id) FROM docs WHERE 0',
      'SELECT json_group_object(id, 1) FROM docs',
      "SELECT json_group_array(X'00') FROM docs",
      'SELECT json_group_array(id ORDER BY id DESC) FROM docs',
    );
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('min() and max() as aggregates keep the JSON subtype of the value they choose', async () => {
    const sqls: string[] = [];
    for (const f of ['min', 'max']) {
      for (const v of ['json(d)', "json_object('k', k)", 'json_array(id, n)', 'd', 'k', "CASE WHEN id % 2 THEN json(d) ELSE k END"]) {
        sqls.push(`SELECT json_array(${f}(${v})) FROM docs WHERE json_valid(d)`);
        sqls.push(`SELECT id % 3, json_type(${f}(${v})), json_array(${f}(${v}), ${f}(${v}) -> '$') FROM docs WHERE json_valid(d) GROUP BY 1 ORDER BY 1`);
        sqls.push(`SELECT json_object('m', ${f}(${v}) FILTER (WHERE id % 2 = 0)) FROM docs WHERE json_valid(d)`);
      }
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('subtypes pass through CASE, COALESCE, IIF, subqueries, CTEs and views, and are lost in tables', async () => {
    await p.both("CREATE VIEW IF NOT EXISTS jv AS SELECT id, json(d) AS j, d -> '$' AS a FROM docs WHERE id < 5");
    await p.both("CREATE TABLE IF NOT EXISTS jt AS SELECT id, json_array(id, json('[1]')) AS j FROM docs WHERE id < 5");
    const sqls = [
      "SELECT json_array((SELECT json('[1,2]')))",
      "SELECT json_array((SELECT json('[1,2]') UNION ALL SELECT json('[3]') LIMIT 1)), json_array((SELECT json('[1]') UNION SELECT json('[2]') ORDER BY 1 DESC))",
      "SELECT json_array(x) FROM (SELECT json('{\"a\":1}') AS x)",
      "SELECT json_array(x) FROM (SELECT DISTINCT json('{\"a\":1}') AS x)",
      "SELECT json_array(x) FROM (SELECT json('{\"a\":1}') AS x LIMIT 1)",
      "WITH c(x) AS (SELECT json('[3]')) SELECT json_array(x) FROM c",
      "WITH c(x) AS MATERIALIZED (SELECT json('[3]')) SELECT json_array(x) FROM c",
      'SELECT json_array(j, a) FROM jv ORDER BY id',
      'SELECT json_array(j) FROM jt ORDER BY id',
      "SELECT json_array(iif(1, json('[1]'), 'x'), ifnull(NULL, json('{}')), likely(json('[2]')), min(json('[3]'), json('[4]')), max(json('[5]'), 'x'))",
      "SELECT json_array(CAST(json('[1]') AS TEXT)), json_array(json('[1]') || ''), json_array(trim(json('[1]')))",
      "SELECT json_object('a', (SELECT json_group_array(id) FROM docs WHERE id < 3))",
      "SELECT json_array(x) FROM (SELECT json('[1]') AS x UNION ALL SELECT json('[2]'))",
      "SELECT json_array(max(j)) FROM (SELECT json(d) AS j FROM docs WHERE id < 4)",
      "SELECT json_array(j) FROM (SELECT json(d) AS j FROM docs WHERE id < 4 ORDER BY id)",
      "SELECT json_insert('{}', '$.a', json('[1]'), '$.b', '[1]', '$.c', json_quote('[1]'))",
      "SELECT json_quote(json('[1]')), json_quote('[1]'), json_quote(json_quote('a'))",
      "SELECT '{\"a\":[1,2]}' -> '$.a' -> 1, '{\"a\":{\"b\":\"x\"}}' -> 'a' ->> 'b'",
    ];
    expect(await p.disagreements(sqls)).toEqual([]);
  });
});

/** Paths of a valid document, as SQLite's json_tree lists them (for stored documents). */
function pathsOf(text: string): string[] {
  try {
    const out: string[] = [];
    const walk = (v: unknown, path: string): void => {
      out.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}."${k}"`);
    };
    walk(JSON.parse(text), '$');
    return out;
  } catch {
    return [genJsonPath(new Rng(text.length), undefined)];
  }
}
