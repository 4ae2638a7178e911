// Random schemas: 2–4 tables named t0..t3 whose columns come from one small name pool (so
// joins can use USING), with every affinity under several spellings (datatype3.html §3.1),
// INTEGER PRIMARY KEY rowid aliases, composite and WITHOUT ROWID primary keys, and secondary
// indexes, some UNIQUE and some DESC.
import type { ColumnKind, ColumnModel, IndexModel, SchemaModel, TableModel } from './model.js';
import type { Rng } from './random.js';
import { literalFor } from './values.js';

const NAME_POOL = ['a', 'b', 'c', 'd', 'e'];

const DECL_TYPES: Record<ColumnKind, readonly string[]> = {
  int: ['INTEGER', 'INT', 'BIGINT'],
  real: ['REAL', 'FLOAT', 'DOUBLE'],
  text: ['TEXT', 'VARCHAR(10)', 'CLOB'],
  // No affinity ('' and BLOB) or NUMERIC: neither ever stores an integral REAL.
  mixed: ['', 'BLOB', 'NUMERIC'],
};

type KeyStyle = 'rowidAlias' | 'none' | 'primaryKey' | 'withoutRowid';

export function generateSchema(rng: Rng): SchemaModel {
  const count = rng.int(2, 4);
  const tables: TableModel[] = [];
  const ddl: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = generateTable(rng, `t${i}`);
    tables.push(t);
    ddl.push(createTableSql(t), ...t.indexes.map((ix) => createIndexSql(t.name, ix, rng)));
  }
  return { tables, ddl };
}

function generateTable(rng: Rng, name: string): TableModel {
  const style = rng.weighted<KeyStyle>([
    [3, 'rowidAlias'],
    [2.5, 'none'],
    [2, 'primaryKey'],
    [2.5, 'withoutRowid'],
  ]);
  const names = rng.sample(NAME_POOL, rng.int(2, 4));
  const columns: ColumnModel[] = [];
  if (style === 'rowidAlias') columns.push({ name: 'id', kind: 'int', declType: 'INTEGER', notNull: false, wide: false });
  let primaryKey: string[] = style === 'rowidAlias' ? ['id'] : [];
  if (style === 'primaryKey' || style === 'withoutRowid') primaryKey = names.slice(0, rng.int(1, Math.min(2, names.length)));
  for (const n of names) {
    const key = primaryKey.includes(n);
    const kind: ColumnKind = key ? rng.pick<ColumnKind>(['int', 'int', 'text', 'mixed']) : rng.weighted<ColumnKind>([[3, 'int'], [2, 'real'], [2, 'text'], [2.5, 'mixed']]);
    const col: ColumnModel = {
      name: n,
      kind,
      declType: rng.pick(DECL_TYPES[kind]),
      notNull: !key && rng.chance(0.12),
      wide: !key && (kind === 'int' || kind === 'mixed') && rng.chance(0.25),
    };
    const withDefault = !key && rng.chance(0.12) ? { defaultSql: literalFor(rng, col, 'plain') } : {};
    columns.push({ ...col, ...withDefault });
  }
  const indexes: IndexModel[] = [];
  const indexable = columns.filter((c) => c.name !== 'id' || style !== 'rowidAlias').map((c) => c.name);
  const nIndexes = rng.weighted([
    [3, 0],
    [4, 1],
    [2, 2],
  ]);
  for (let i = 0; i < nIndexes && indexable.length > 0; i++) {
    const cols = rng.sample(indexable, rng.int(1, Math.min(2, indexable.length)));
    indexes.push({ name: `${name}_i${i}`, columns: cols, unique: rng.chance(0.35) });
  }
  return {
    name,
    columns,
    primaryKey,
    ...(style === 'rowidAlias' ? { rowidAlias: 'id' } : {}),
    withoutRowid: style === 'withoutRowid',
    indexes,
  };
}

function createTableSql(t: TableModel): string {
  const defs = t.columns.map((c) => {
    let s = c.declType === '' ? c.name : `${c.name} ${c.declType}`;
    if (c.name === t.rowidAlias) s += ' PRIMARY KEY';
    if (c.notNull) s += ' NOT NULL';
    if (c.defaultSql !== undefined) s += ` DEFAULT ${c.defaultSql.startsWith('-') ? `(${c.defaultSql})` : c.defaultSql}`;
    return s;
  });
  if (t.rowidAlias === undefined && t.primaryKey.length > 0) defs.push(`PRIMARY KEY(${t.primaryKey.join(', ')})`);
  return `CREATE TABLE ${t.name}(${defs.join(', ')})${t.withoutRowid ? ' WITHOUT ROWID' : ''}`;
}

function createIndexSql(table: string, ix: IndexModel, rng: Rng): string {
  const cols = ix.columns.map((c) => (rng.chance(0.25) ? `${c} DESC` : c));
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ix.name} ON ${table}(${cols.join(', ')})`;
}
