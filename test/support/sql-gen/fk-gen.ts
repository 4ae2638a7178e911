// Random schemas with foreign keys and random statements over them, for differential tests
// of enforcement (https://sqlite.org/foreignkeys.html): parents keyed by an INTEGER PRIMARY
// KEY, a UNIQUE column, a composite UNIQUE or a WITHOUT ROWID primary key; children with one
// or two constraints (self references included) with every ON DELETE / ON UPDATE action,
// some DEFERRABLE INITIALLY DEFERRED; values from tiny domains so keys collide; INSERT (OR
// REPLACE / OR IGNORE), UPDATE of keys and references, DELETE, transactions and savepoints.
import type { Rng } from './random.js';

const ACTIONS = ['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'] as const;

export interface FkTable {
  readonly name: string;
  readonly withoutRowid: boolean;
  /** Columns holding references, with the values they may take. */
  readonly refCols: readonly string[];
  readonly create: string;
}

export interface FkSchema {
  readonly tables: readonly FkTable[];
  readonly statements: readonly string[];
}

const KEY_VALUES = ['1', '2', '3', '4', "'1'", "'x'", 'NULL', '2.0'];
const U_VALUES = ["'a'", "'b'", "'c'", "'A'", 'NULL', '1'];

/**
 * An ON DELETE clause. Not SET NULL / SET DEFAULT on a self reference: SQLite then skips the
 * check of a row INSERT OR REPLACE writes (`CREATE TABLE t(id INTEGER PRIMARY KEY, u UNIQUE,
 * r REFERENCES t(u) ON DELETE SET NULL); INSERT OR REPLACE INTO t VALUES (2, 'a', 3)` succeeds
 * with no parent 3), a defect dosql does not copy.
 */
function action(r: Rng, self = false): string {
  if (r.chance(0.3)) return '';
  const a = r.pick(ACTIONS);
  return self && (a === 'SET NULL' || a === 'SET DEFAULT') ? ' ON DELETE CASCADE' : ` ON DELETE ${a}`;
}

/**
 * A schema of 2-4 tables, each maybe referencing earlier ones or itself. `deferred`: some
 * constraints DEFERRABLE INITIALLY DEFERRED (off for oracles that cannot undo SQLite's count of
 * a failed statement, see test/support/oracle-stream.ts).
 */
export function genFkSchema(r: Rng, deferred = true): FkSchema {
  const n = r.int(2, 4);
  const tables: FkTable[] = [];
  const statements: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `t${i}`;
    const withoutRowid = r.chance(0.2);
    const cols = [withoutRowid ? 'id INT PRIMARY KEY' : 'id INTEGER PRIMARY KEY', `u TEXT${r.chance(0.3) ? ' COLLATE NOCASE' : ''} UNIQUE`, 'w INT', 'v INT'];
    const refCols: string[] = [];
    const fks: string[] = [];
    const nfk = r.int(i === 0 ? 0 : 1, 2);
    for (let k = 0; k < nfk; k++) {
      const target = tables.length && !r.chance(0.25) ? r.pick(tables) : { name, withoutRowid };
      const col = `r${k}`;
      const dflt = r.chance(0.4) ? ` DEFAULT ${r.pick(['1', '2', "'a'", '99'])}` : '';
      const notNull = r.chance(0.1) ? ' NOT NULL' : '';
      const ref = r.weighted<() => string>([
        [3, () => `${target.name}(id)`],
        [1, () => target.name],
        [2, () => `${target.name}(u)`],
      ])();
      cols.push(`${col}${r.chance(0.5) ? ' INT' : ''}${notNull}${dflt}`);
      const update = r.chance(0.6) ? ` ON UPDATE ${r.pick(ACTIONS)}` : '';
      const defer = deferred && r.chance(0.2) ? ' DEFERRABLE INITIALLY DEFERRED' : '';
      fks.push(`${r.chance(0.3) ? `CONSTRAINT fk_${name}_${k} ` : ''}FOREIGN KEY (${col}) REFERENCES ${ref}${action(r, target.name === name)}${update}${defer}`);
      refCols.push(col);
    }
    if (r.chance(0.2) && tables.length) {
      const target = r.pick(tables);
      cols.push('c1', 'c2');
      statements.push(`CREATE UNIQUE INDEX IF NOT EXISTS ${target.name}_uw ON ${target.name}(u, w)`);
      fks.push(`FOREIGN KEY (c1, c2) REFERENCES ${target.name}(u, w)${action(r)}`);
      refCols.push('c1', 'c2');
    }
    const create = `CREATE TABLE ${name}(${[...cols, ...fks].join(', ')})${withoutRowid ? ' WITHOUT ROWID' : ''}`;
    tables.push({ name, withoutRowid, refCols, create });
  }
  return { tables, statements: [...tables.map((t) => t.create), ...statements] };
}

/** A random data change (or transaction statement) over the schema. */
export function genFkStatement(r: Rng, s: FkSchema): string {
  const t = r.pick(s.tables);
  const refVal = (): string => r.pick([...KEY_VALUES, ...U_VALUES]);
  const where = (): string =>
    r.weighted<() => string>([
      [4, () => `id = ${r.pick(KEY_VALUES)}`],
      [2, () => `u = ${r.pick(U_VALUES)}`],
      [1, () => `v > ${r.int(0, 5)}`],
      [1, () => (t.refCols.length ? `${r.pick(t.refCols)} IS NULL` : '1')],
    ])();
  return r.weighted<() => string>([
    [
      6,
      () => {
        const cols = ['id', 'u', 'w', 'v', ...t.refCols];
        const vals = [r.pick(KEY_VALUES.filter((v) => v !== 'NULL' || !t.withoutRowid)), r.pick(U_VALUES), String(r.int(0, 2)), String(r.int(0, 9)), ...t.refCols.map(refVal)];
        const or = r.weighted([
          [6, ''],
          [2, ' OR REPLACE'],
          [1, ' OR IGNORE'],
        ] as const);
        return `INSERT${or} INTO ${t.name}(${cols.join(', ')}) VALUES (${vals.join(', ')})`;
      },
    ],
    [3, () => `UPDATE ${t.name} SET ${r.pick(['id', 'u', 'w', 'v', ...t.refCols, ...t.refCols])} = ${refVal()} WHERE ${where()}`],
    [1, () => `UPDATE ${t.name} SET id = id + 1${r.chance(0.5) ? ` WHERE ${where()}` : ''}`],
    [3, () => `DELETE FROM ${t.name} WHERE ${where()}`],
    [1, () => `DELETE FROM ${t.name}`],
    [1, () => r.pick(['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT s', 'RELEASE s', 'ROLLBACK TO s'])],
    [1, () => `PRAGMA foreign_key_check${r.chance(0.5) ? `(${t.name})` : ''}`],
  ])();
}
