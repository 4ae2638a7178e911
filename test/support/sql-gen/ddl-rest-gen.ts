// Random schemas with generated columns (VIRTUAL and STORED, reading other generated
// columns), AUTOINCREMENT tables (sqlite_sequence compared like a table), indexes on
// expressions and partial indexes (some UNIQUE, so they reject rows), and random statements
// over them: INSERT (OR REPLACE / OR IGNORE, UPSERT), UPDATE and DELETE with ORDER BY ...
// LIMIT, row-value SET, queries on generated columns, explicit rowids above and below the
// sequence, edits of sqlite_sequence. Values come from tiny domains so keys collide.
import type { Rng } from './random.js';

export interface RestSchema {
  readonly statements: readonly string[];
  readonly tables: readonly string[];
}

const VALUES = ['1', '2', '3', '-1', '0', 'NULL', "'x'", "'Ab'", "'ab'", '2.5', "'10'"];

const GEN_EXPRS = ['a + 1', 'a * 2', "coalesce(b, 'none')", "upper(b)", 'length(b)', 'a || b', "CASE WHEN a > 1 THEN 'big' ELSE 'small' END", 'abs(a) % 3', "typeof(a)", "substr(b, 1, 1)"];
const GEN_TYPES = ['', 'INT', 'TEXT', 'REAL', 'NUMERIC'];
const IDX_EXPRS = ['lower(b)', 'a + 1', 'abs(a)', "coalesce(a, 0) * 2", 'length(b)', 'g1', 'b COLLATE NOCASE'];
const WHERES = ['a > 0', 'b IS NOT NULL', 'a IS NULL', "g1 IS NOT NULL", 'a % 2 = 0'];

/**
 * VIRTUAL or STORED; always STORED for REAL: SQLite returns a VIRTUAL REAL column's integral
 * value as an INTEGER when a query reads it through a sorter (`SELECT g FROM t WHERE g = g
 * ORDER BY id`) and as a REAL otherwise; dosql keeps generated values in the row and always
 * returns the REAL.
 */
function storage(r: Rng, type: string, kinds: readonly string[]): string {
  return type === 'REAL' ? 'STORED' : r.pick(kinds);
}

export function genRestSchema(r: Rng): RestSchema {
  const statements: string[] = [];
  const tables: string[] = [];
  for (let i = 0; i < 2; i++) {
    const name = `r${i}`;
    tables.push(name);
    const auto = r.chance(0.6);
    const cols = [auto ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : r.pick(['id INTEGER PRIMARY KEY', 'id INT']), `a ${r.pick(['INT', '', 'NUMERIC'])}`, `b ${r.pick(['TEXT', ''])}`];
    // g1 reads the plain columns; g2 may read g1 (SQLite orders their computation).
    const g1Type = r.pick(GEN_TYPES);
    const g2Type = r.pick(GEN_TYPES);
    cols.push(`g1 ${g1Type} ${r.chance(0.5) ? 'GENERATED ALWAYS ' : ''}AS (${r.pick(GEN_EXPRS)}) ${storage(r, g1Type, ['VIRTUAL', 'STORED', ''])}`.replace(/\s+/g, ' ').trim());
    if (r.chance(0.6)) cols.push(`g2 ${g2Type} AS (${r.pick(['g1 || \'-\'', 'g1 + a', 'coalesce(g1, 0) * 10', r.pick(GEN_EXPRS)])}) ${storage(r, g2Type, ['VIRTUAL', 'STORED'])}${r.chance(0.2) ? ' NOT NULL' : ''}`.replace(/\s+/g, ' '));
    statements.push(`CREATE TABLE ${name}(${cols.join(', ')})`);
    const nIdx = r.int(0, 3);
    for (let k = 0; k < nIdx; k++) {
      const unique = r.chance(0.5) ? 'UNIQUE ' : '';
      const col = r.chance(0.6) ? r.pick(IDX_EXPRS) : r.pick(['a', 'b', 'g1']);
      const where = r.chance(0.5) ? ` WHERE ${r.pick(WHERES)}` : '';
      statements.push(`CREATE ${unique}INDEX ${name}_x${k} ON ${name}(${col}${r.chance(0.3) ? ', a' : ''})${where}`);
    }
  }
  if (statements.some((s) => s.includes('AUTOINCREMENT'))) tables.push('sqlite_sequence');
  return { statements, tables };
}

export function genRestStatement(r: Rng): string {
  const t = r.pick(['r0', 'r1']);
  const v = (): string => r.pick(VALUES);
  // LIMIT always with an ORDER BY ending in the rowid: without one the rows taken depend on scan order.
  const order = (): string => ` ORDER BY ${r.pick(['id', 'a', 'b', 'g1', 'rowid'])}${r.pick(['', ' DESC'])}, rowid`;
  const limit = (): string => ` LIMIT ${r.int(-1, 3)}${r.chance(0.3) ? ` OFFSET ${r.int(0, 2)}` : ''}`;
  return r.weighted<() => string>([
    [4, () => `INSERT${r.pick(['', ' OR REPLACE', ' OR IGNORE'])} INTO ${t}(a, b) VALUES (${v()}, ${v()})${r.chance(0.3) ? `, (${v()}, ${v()})` : ''}`],
    [2, () => `INSERT${r.pick(['', ' OR REPLACE', ' OR IGNORE'])} INTO ${t}(id, a, b) VALUES (${r.pick(['NULL', '1', '2', '5', '50', '-3'])}, ${v()}, ${v()})`],
    [1, () => `INSERT INTO ${t}(id, a, b) VALUES (${r.int(1, 6)}, ${v()}, ${v()}) ON CONFLICT(id) DO UPDATE SET ${r.pick(['a = excluded.a + 1', '(a, b) = (excluded.b, excluded.a)', 'b = NULL'])}`],
    [1, () => `INSERT INTO ${t}(a, b) SELECT a, b FROM ${r.pick(['r0', 'r1'])} WHERE ${r.pick(['a > 1', 'b IS NOT NULL', 'id % 2 = 0'])} ORDER BY rowid`],
    // No UPDATE OR IGNORE / OR REPLACE: which of two rows wanting one unique value wins is the order rows are visited in, a scan order.
    [2, () => `UPDATE ${t} SET ${r.pick(['a = a + 1', `b = ${v()}`, `a = ${v()}`, '(a, b) = (b, a)', `(a, b) = (SELECT max(a), min(b) FROM ${r.pick(['r0', 'r1'])})`])}${r.chance(0.4) ? ` WHERE ${r.pick(WHERES)}` : ''}${r.chance(0.5) ? `${order()}${limit()}` : ''}`],
    [1, () => `DELETE FROM ${t}${r.chance(0.4) ? ` WHERE ${r.pick(WHERES)}` : ''}${r.chance(0.6) ? `${order()}${limit()}` : ''}`],
    [2, () => `SELECT id, g1${r.pick(['', ', g2'])} FROM ${t} WHERE ${r.pick(['g1 IS NOT NULL', 'lower(b) = \'ab\'', 'a + 1 > 2', 'g1 = g1'])} ORDER BY id`],
    [1, () => `UPDATE sqlite_sequence SET seq = ${r.pick(['seq + 10', '0', '100'])} WHERE name = '${t}'`],
    [1, () => `DELETE FROM sqlite_sequence WHERE name = '${t}'`],
    [1, () => `UPDATE ${t} SET g1 = 1`],
  ])();
}
