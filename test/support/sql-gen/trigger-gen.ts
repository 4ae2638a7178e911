// Random triggers and the statements that fire them, for differential tests
// (https://sqlite.org/lang_createtrigger.html): BEFORE / AFTER triggers on INSERT, UPDATE
// [OF column] and DELETE of two tables, INSTEAD OF triggers on a view, WHEN clauses on NEW and
// OLD, bodies that log, write the other table (firing its triggers in turn), delete, and
// RAISE(IGNORE | ABORT | FAIL | ROLLBACK); sometimes a foreign key with ON DELETE CASCADE
// between the tables, so actions fire triggers too. The log table's order records the order
// the triggers ran in.
import type { Rng } from './random.js';

export interface TriggerSchema {
  readonly statements: readonly string[];
  readonly tables: readonly string[];
}

const TABLES = ['a', 'b'] as const;

function other(t: string): string {
  return t === 'a' ? 'b' : 'a';
}

function when(r: Rng, event: string): string {
  if (!r.chance(0.35)) return '';
  const ref = event === 'DELETE' ? 'old' : 'new';
  return r.pick([` WHEN ${ref}.x > ${r.int(0, 4)}`, ` WHEN ${ref}.y = '${r.pick(['p', 'q'])}'`, ` WHEN ${ref}.x IS NULL`, event === 'UPDATE' ? ' WHEN old.x IS NOT new.x' : ` WHEN ${ref}.id % 2 = 0`]);
}

function bodyStep(r: Rng, table: string, event: string, name: string): string {
  const ref = event === 'DELETE' ? 'old' : 'new';
  const o = other(table);
  return r.weighted<() => string>([
    [5, () => `INSERT INTO log(msg) VALUES ('${name} ' || coalesce(${ref}.id, '-') || ' ' || coalesce(${ref}.x, '-')${event === 'UPDATE' ? " || ' was ' || coalesce(old.x, '-')" : ''})`],
    [2, () => `UPDATE ${o} SET x = coalesce(x, 0) + 1 WHERE id = ${ref}.id`],
    [1, () => `UPDATE ${table} SET y = 'q' WHERE id = ${ref}.id + 1`],
    [2, () => `INSERT OR IGNORE INTO ${o}(id, x, y) VALUES (${ref}.id + 10, ${ref}.x, 'p')`],
    [1, () => `DELETE FROM ${o} WHERE x = ${ref}.x`],
    [1, () => `SELECT RAISE(IGNORE) WHERE ${ref}.x = ${r.int(0, 4)}`],
    [1, () => `SELECT RAISE(${r.pick(['ABORT', 'FAIL', 'ROLLBACK'])}, '${name} says no') WHERE ${ref}.x = ${r.int(0, 6)}`],
    [1, () => `UPDATE log SET msg = msg || '!' WHERE seq = (SELECT max(seq) FROM log)`],
  ])();
}

/** Two tables, a log, a view over `a`, 2-6 triggers. */
export function genTriggerSchema(r: Rng): TriggerSchema {
  const fk = r.chance(0.3);
  const statements = [
    'CREATE TABLE a(id INTEGER PRIMARY KEY, x INT, y TEXT)',
    `CREATE TABLE b(id INTEGER PRIMARY KEY, x INT${fk ? ' REFERENCES a(id) ON DELETE CASCADE' : ''}, y TEXT)`,
    'CREATE TABLE log(seq INTEGER PRIMARY KEY, msg TEXT)',
    'CREATE VIEW va AS SELECT id, x, y FROM a',
  ];
  const n = r.int(2, 6);
  for (let i = 0; i < n; i++) {
    const name = `tr${i}`;
    if (r.chance(0.15)) {
      const event = r.pick(['INSERT', 'UPDATE', 'DELETE']);
      const ref = event === 'DELETE' ? 'old' : 'new';
      const action = event === 'INSERT' ? `INSERT INTO a VALUES (new.id, new.x, 'v')` : event === 'UPDATE' ? 'UPDATE a SET x = new.x WHERE id = old.id' : 'DELETE FROM a WHERE id = old.id';
      statements.push(`CREATE TRIGGER ${name} INSTEAD OF ${event} ON va BEGIN INSERT INTO log(msg) VALUES ('${name} ' || coalesce(${ref}.id, '-')); ${action}; END`);
      continue;
    }
    const table = r.pick(TABLES);
    const timing = r.pick(['BEFORE', 'AFTER']);
    const event = r.pick(['INSERT', 'UPDATE', 'DELETE']);
    const spec = event === 'UPDATE' && r.chance(0.3) ? `UPDATE OF ${r.pick(['x', 'y'])}` : event;
    const steps = Array.from({ length: r.int(1, 3) }, () => bodyStep(r, table, event, name));
    statements.push(`CREATE TRIGGER ${name} ${timing} ${spec} ON ${table}${when(r, event)} BEGIN ${steps.join('; ')}; END`);
  }
  return { statements, tables: ['a', 'b', 'log'] };
}

/** A statement that may fire the triggers. */
export function genTriggerStatement(r: Rng): string {
  const t = r.pick(['a', 'b', 'a', 'b', 'va']);
  const id = (): string => r.pick(['NULL', String(r.int(1, 8))]);
  return r.weighted<() => string>([
    [5, () => `INSERT${r.pick(['', '', ' OR REPLACE', ' OR IGNORE'])} INTO ${t}(id, x, y) VALUES (${id()}, ${r.int(0, 6)}, '${r.pick(['p', 'q'])}')${r.chance(0.2) ? `, (${id()}, ${r.int(0, 6)}, 'p')` : ''}`],
    [4, () => `UPDATE${r.pick(['', '', ' OR IGNORE'])} ${t} SET ${r.pick(['x = x + 1', "y = 'q'", 'x = NULL', 'id = id + 5'])} WHERE ${r.pick(['id = ' + r.int(1, 8), 'x > ' + r.int(0, 5), '1'])}`],
    [3, () => `DELETE FROM ${t} WHERE ${r.pick(['id = ' + r.int(1, 8), 'x < ' + r.int(0, 5), "y = 'q'"])}`],
    [1, () => r.pick(['BEGIN', 'COMMIT', 'ROLLBACK'])],
  ])();
}
