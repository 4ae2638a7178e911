// Random json1 calls (https://sqlite.org/json1.html) for the differential fuzzer's
// expressions, and json_each / json_tree as FROM items. Only forms that cannot fail at run
// time: no BLOB goes where JSON cannot hold one, documents are valid, a column read as JSON
// is guarded by json_valid. Reals stay exact in their JSON text (no 17-digit values) and the
// documents hold no integral reals, so the value classes stay set-safe (model.ts).
import { BLOB, INT, REAL, REAL_FRACTION, TEXT } from './model.js';
import type { Rng } from './random.js';
import type { ExprEnv, GenExpr, ScopeColumn } from './scope.js';
import { sqlLiteral } from './values.js';

/** Valid documents and paths into them (some missing). */
const DOCS: readonly { readonly text: string; readonly paths: readonly string[]; readonly labels: readonly string[] }[] = [
  { text: '{"a":1,"b":[2,3.5,"x"],"c":{"d":null,"e":"é"}}', paths: ['$.a', '$.b', '$.b[1]', '$.b[#-1]', '$.c.d', '$.c', '$.c.e', '$.z'], labels: ['a', 'b', 'c', 'z'] },
  { text: '[1,2,3,"a","b",[4,5],{"k":"v"}]', paths: ['$[0]', '$[3]', '$[5]', '$[5][1]', '$[6].k', '$[#-1]', '$[9]'], labels: ['k'] },
  { text: '{"tags":["red","green"],"n":-7,"ok":true,"no":false,"x":0.25}', paths: ['$.tags', '$.tags[0]', '$.n', '$.ok', '$.no', '$.x', '$.y'], labels: ['tags', 'n', 'ok', 'x'] },
  { text: '"just text"', paths: ['$', '$.a'], labels: ['a'] },
  { text: '12', paths: ['$', '$[0]'], labels: [] },
  { text: '[]', paths: ['$', '$[0]'], labels: [] },
  { text: '{"a":{"b":{"c":[10,20,{"d":30}]}},"arr":[[1],[2,[3]]]}', paths: ['$.a.b.c[2].d', '$.a.b', '$.arr[1][1][0]', '$.arr'], labels: ['a', 'arr'] },
];

const MIXED_JSON = INT | REAL_FRACTION | TEXT;

function fits(e: GenExpr): boolean {
  return (e.classes & BLOB) === 0 && !e.inexact;
}

/** A json1 call over generated values or a literal document; undefined when the values cannot go into JSON. */
export function jsonValue(env: ExprEnv, sub: () => GenExpr): GenExpr | undefined {
  const { rng } = env;
  const a = sub();
  const text = (sql: string): GenExpr => ({ sql, classes: TEXT, wide: false, inexact: false });
  const int = (sql: string): GenExpr => ({ sql, classes: INT, wide: false, inexact: false });
  const doc = rng.pick(DOCS);
  const docSql = sqlLiteral(doc.text);
  switch (rng.int(0, 10)) {
    case 0:
      return int(`json_valid(${a.sql})`);
    case 1:
      return fits(a) ? text(`json_quote(${a.sql})`) : undefined;
    case 2: {
      const b = sub();
      return fits(a) && fits(b) ? text(`json_array(${a.sql}, ${b.sql})`) : undefined;
    }
    case 3: {
      const b = sub();
      return fits(a) && fits(b) ? text(`json_object('k', ${a.sql}, 'n', json_array(${b.sql}))`) : undefined;
    }
    case 4:
      // Through JSON and back: the value itself (its class kept).
      return fits(a) ? { sql: `(json_array(${a.sql}) ->> '$[0]')`, classes: a.classes, wide: a.wide, inexact: false } : undefined;
    case 5:
      return fits(a) ? text(`json_type(json_array(${a.sql}), '$[0]')`) : undefined;
    case 6:
      return { sql: `json_extract(${docSql}, ${sqlLiteral(rng.pick(doc.paths))})`, classes: MIXED_JSON, wide: false, inexact: false };
    case 7:
      return rng.chance(0.5) ? text(`(${docSql} -> ${sqlLiteral(rng.pick(doc.paths))})`) : { sql: `(${docSql} ->> ${sqlLiteral(rng.pick([...doc.labels, '$']))})`, classes: MIXED_JSON, wide: false, inexact: false };
    case 8:
      return text(`CASE WHEN json_valid(${a.sql}) THEN json_type(${a.sql}) END`);
    case 9: {
      const b = sub();
      return fits(a) && fits(b) ? int(`json_array_length(json_array(${a.sql}, ${b.sql}, json(${docSql})))`) : undefined;
    }
    default:
      return text(`json_set(${docSql}, ${sqlLiteral(rng.pick(doc.paths))}, json_array(${rng.int(0, 9)}))`);
  }
}

/**
 * Columns of json_each / json_tree (the hidden json and root are not in `*`). Over a column's
 * text the values may be integral reals ('1e3' is valid JSON): then not set-safe.
 */
function eachScope(alias: string, anyReal: boolean): ScopeColumn[] {
  const col = (name: string, classes: number): ScopeColumn => ({ sql: `${alias}.${name}`, name, classes, wide: false, inexact: false });
  const values = anyReal ? MIXED_JSON | REAL : MIXED_JSON;
  return [col('key', INT | TEXT), col('value', values), col('type', TEXT), col('atom', values), col('id', INT), col('parent', INT), col('fullkey', TEXT), col('path', TEXT)];
}

/**
 * json_each or json_tree as a FROM item: over a literal document, or (correlated) over a
 * text column of an earlier FROM item, guarded so invalid JSON gives no rows.
 */
export function jsonTableItem(rng: Rng, alias: string, before: readonly ScopeColumn[]): { sql: string; scope: ScopeColumn[] } {
  const fn = rng.pick(['json_each', 'json_each', 'json_tree']);
  const texts = before.filter((c) => (c.classes & TEXT) !== 0 && (c.classes & BLOB) === 0);
  let arg: string;
  const correlated = texts.length > 0 && rng.chance(0.4);
  if (correlated) {
    const c = rng.pick(texts);
    arg = `CASE WHEN json_valid(${c.sql}) THEN ${c.sql} END`;
  } else {
    const doc = rng.pick(DOCS);
    arg = sqlLiteral(doc.text);
    if (rng.chance(0.3)) arg += `, ${sqlLiteral(rng.pick(doc.paths.filter((p) => !p.includes('#'))))}`;
  }
  return { sql: `${fn}(${arg}) AS ${alias}`, scope: eachScope(alias, correlated) };
}
