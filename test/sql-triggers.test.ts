// Triggers that fire, against SQLite: BEFORE / AFTER / INSTEAD OF, INSERT / UPDATE [OF] /
// DELETE, WHEN, NEW and OLD (NEW.rowid -1 before an automatic rowid), the order several
// triggers fire in, RAISE(IGNORE | ABORT | FAIL | ROLLBACK) and how much each undoes, triggers
// writing other tables and firing theirs, the recursion rule (a running trigger does not fire
// again) and the depth limit, the firing statement's conflict resolution replacing the
// triggered statements', UPSERT, foreign-key actions firing the child's triggers; written-out
// scenarios, then random triggers and statements (trigger-gen.ts), every outcome and table
// compared after every statement. Everything a trigger does is part of its statement: undone
// with it, visible on the branch it ran on.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { agree } from './support/oracle-stream.js';
import { Rng } from './support/sql-gen/random.js';
import { genTriggerSchema, genTriggerStatement } from './support/sql-gen/trigger-gen.js';

const BASE = ['CREATE TABLE t(id INTEGER PRIMARY KEY, v INT, w TEXT)', 'CREATE TABLE u(id INTEGER PRIMARY KEY, v INT)', 'CREATE TABLE log(seq INTEGER PRIMARY KEY, msg TEXT)'];

const SCENARIOS: { name: string; setup: string[]; run: string[] }[] = [
  {
    name: 'timing, events, WHEN, NEW and OLD, firing order',
    setup: [
      ...BASE,
      "CREATE TRIGGER bi BEFORE INSERT ON t BEGIN INSERT INTO log(msg) VALUES ('bi ' || new.id || ' ' || new.rowid || ' ' || coalesce(new.v, 'null')); END",
      "CREATE TRIGGER ai1 AFTER INSERT ON t BEGIN INSERT INTO log(msg) VALUES ('ai1 ' || new.id); END",
      "CREATE TRIGGER ai2 AFTER INSERT ON t WHEN new.v > 5 BEGIN INSERT INTO log(msg) VALUES ('ai2 ' || new.id); END",
      "CREATE TRIGGER bu BEFORE UPDATE OF v ON t BEGIN INSERT INTO log(msg) VALUES ('bu ' || old.v || '->' || new.v); END",
      "CREATE TRIGGER au AFTER UPDATE ON t WHEN old.w IS NOT new.w BEGIN INSERT INTO log(msg) VALUES ('au ' || old.w || '->' || new.w); END",
      "CREATE TRIGGER bd BEFORE DELETE ON t BEGIN INSERT INTO log(msg) VALUES ('bd ' || old.id); END",
      "CREATE TRIGGER ad AFTER DELETE ON t BEGIN INSERT INTO log(msg) VALUES ('ad ' || old.id || ' ' || (SELECT count(*) FROM t)); END",
    ],
    run: [
      "INSERT INTO t VALUES (NULL, 1, 'a')",
      "INSERT INTO t(v, w) VALUES (9, 'b'), (3, 'c')",
      "INSERT INTO t VALUES (10, 7, 'd')",
      "UPDATE t SET v = v + 1 WHERE id < 3",
      "UPDATE t SET w = 'z' WHERE id = 3",
      "UPDATE t SET w = w",
      'DELETE FROM t WHERE v > 5',
      'SELECT * FROM log',
    ],
  },
  {
    name: 'RAISE: IGNORE skips the row, ABORT undoes the statement, FAIL keeps earlier rows, ROLLBACK ends the transaction',
    setup: [
      ...BASE,
      "CREATE TRIGGER ig BEFORE INSERT ON t WHEN new.v = 0 BEGIN INSERT INTO log(msg) VALUES ('ignored ' || new.id); SELECT RAISE(IGNORE); END",
      "CREATE TRIGGER ab BEFORE INSERT ON t WHEN new.v < 0 BEGIN SELECT RAISE(ABORT, 'negative ' || new.v); END",
      "CREATE TRIGGER fa AFTER UPDATE ON t WHEN new.v > 100 BEGIN SELECT RAISE(FAIL, 'too big'); END",
      "CREATE TRIGGER rb BEFORE DELETE ON t WHEN old.w = 'keep' BEGIN SELECT RAISE(ROLLBACK, 'keep it'); END",
      "CREATE TRIGGER aig AFTER DELETE ON t WHEN old.v = 5 BEGIN SELECT RAISE(IGNORE); INSERT INTO log(msg) VALUES ('never'); END",
    ],
    run: [
      "INSERT INTO t VALUES (1, 1, 'a'), (2, 0, 'b'), (3, 2, 'c')",
      "INSERT INTO t VALUES (4, 4, 'd'), (5, -1, 'e')",
      'UPDATE t SET v = v * 60',
      'BEGIN',
      "INSERT INTO t VALUES (7, 5, 'keep')",
      'DELETE FROM t WHERE id = 7',
      'COMMIT',
      "INSERT INTO t VALUES (8, 5, 'x'), (9, 6, 'y')",
      'DELETE FROM t WHERE id >= 8',
      'SELECT changes()',
      'SELECT * FROM log',
    ],
  },
  {
    name: 'triggers writing other tables, no recursion, depth, conflict resolution of the firing statement',
    setup: [
      ...BASE,
      'CREATE UNIQUE INDEX u_v ON u(v)',
      'CREATE TRIGGER t_to_u AFTER INSERT ON t BEGIN INSERT INTO u(v) VALUES (new.v); UPDATE t SET w = coalesce(w, \'\') || \'+\' WHERE id = new.id; END',
      "CREATE TRIGGER u_to_t AFTER INSERT ON u BEGIN INSERT INTO t(v, w) VALUES (new.v + 100, 'from u'); INSERT INTO log(msg) VALUES ('u ' || new.v); END",
      "CREATE TRIGGER t_upd AFTER UPDATE OF w ON t BEGIN INSERT INTO log(msg) VALUES ('w ' || new.w); END",
    ],
    run: ["INSERT INTO t VALUES (1, 1, 'a')", 'INSERT INTO t VALUES (2, 1, NULL)', 'INSERT OR IGNORE INTO t VALUES (3, 1, NULL)', 'INSERT OR REPLACE INTO t VALUES (4, 2, NULL)', 'SELECT * FROM u'],
  },
  {
    // SQLite codes a DELETE (of a table or a view) with OE_Default: the OR clause of the statement
    // whose trigger runs the DELETE stops there, and the DELETE's triggers use their own.
    name: 'a DELETE in a trigger does not pass the firing statement\'s conflict resolution on',
    setup: [
      ...BASE,
      'CREATE VIEW vu AS SELECT * FROM u',
      "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN DELETE FROM u WHERE v = new.v; DELETE FROM vu WHERE v = new.v + 100; END",
      'CREATE TRIGGER u_del BEFORE DELETE ON u BEGIN INSERT OR IGNORE INTO log(seq, msg) VALUES (old.id, \'u \' || old.v); END',
      'CREATE TRIGGER vu_del INSTEAD OF DELETE ON vu BEGIN INSERT OR IGNORE INTO log(seq, msg) VALUES (old.id, \'vu \' || old.v); END',
      "INSERT INTO log VALUES (1, 'kept'), (2, 'kept')",
      'INSERT INTO u VALUES (1, 7), (2, 108)',
    ],
    run: ["INSERT OR REPLACE INTO t VALUES (1, 7, 'a'), (2, 8, 'b')", "UPDATE OR REPLACE t SET w = 'c'", 'SELECT * FROM log', 'SELECT * FROM u'],
  },
  {
    name: 'INSTEAD OF triggers on views, UPSERT, foreign-key actions firing triggers',
    setup: [
      'CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT UNIQUE)',
      'CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p ON DELETE CASCADE ON UPDATE SET NULL, note TEXT)',
      'CREATE TABLE log(seq INTEGER PRIMARY KEY, msg TEXT)',
      'CREATE VIEW pc AS SELECT p.id, p.name, count(c.id) AS n FROM p LEFT JOIN c ON c.pid = p.id GROUP BY p.id',
      "CREATE TRIGGER pc_ins INSTEAD OF INSERT ON pc BEGIN INSERT INTO p VALUES (new.id, new.name); INSERT INTO c(pid, note) VALUES (new.id, 'auto'); END",
      "CREATE TRIGGER pc_upd INSTEAD OF UPDATE OF name ON pc BEGIN UPDATE p SET name = new.name WHERE id = old.id; END",
      'CREATE TRIGGER pc_del INSTEAD OF DELETE ON pc BEGIN DELETE FROM p WHERE id = old.id; END',
      "CREATE TRIGGER c_del AFTER DELETE ON c BEGIN INSERT INTO log(msg) VALUES ('c gone ' || old.id); END",
      "CREATE TRIGGER c_upd BEFORE UPDATE ON c BEGIN INSERT INTO log(msg) VALUES ('c ' || old.id || ' pid ' || coalesce(new.pid, 'null')); END",
      "CREATE TRIGGER p_upd AFTER UPDATE ON p BEGIN INSERT INTO log(msg) VALUES ('p ' || new.name); END",
    ],
    run: [
      "INSERT INTO pc(id, name) VALUES (1, 'one'), (2, 'two')",
      'SELECT * FROM pc',
      "UPDATE pc SET name = upper(name) WHERE id = 1",
      'UPDATE pc SET n = 5',
      "INSERT INTO p VALUES (2, 'deux') ON CONFLICT(id) DO UPDATE SET name = excluded.name",
      'UPDATE p SET id = 20 WHERE id = 2',
      'DELETE FROM pc WHERE id = 1',
      'SELECT changes()',
      'SELECT * FROM log',
    ],
  },
  {
    name: 'errors: variables, RAISE outside a trigger, views without INSTEAD OF, unknown NEW/OLD',
    setup: [...BASE, 'CREATE VIEW vt AS SELECT * FROM t', "CREATE TRIGGER bad_old AFTER INSERT ON t BEGIN INSERT INTO log(msg) VALUES (old.v); END"],
    run: [
      'CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT ?; END',
      "SELECT RAISE(ABORT, 'no')",
      'INSERT INTO vt VALUES (1, 2, 3)',
      'CREATE TRIGGER y BEFORE INSERT ON vt BEGIN SELECT 1; END',
      'CREATE TRIGGER z INSTEAD OF INSERT ON t BEGIN SELECT 1; END',
      'INSERT INTO t VALUES (1, 1, 1)',
      'DROP TRIGGER bad_old',
      'INSERT INTO t VALUES (1, 1, 1)',
      'DROP TABLE t',
      "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    ],
  },
];

describe('triggers agree with SQLite', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const tables = s.setup.filter((x) => x.startsWith('CREATE TABLE')).map((x) => /^CREATE TABLE (\w+)/.exec(x)![1]!);
    expect(await agree(`trig-${s.name.slice(0, 20)}`, s.setup, s.run, tables, false)).toEqual([]);
  });

  it('recursion past the depth limit fails as SQLite does', async () => {
    // Two triggers feeding each other do recurse (only a trigger already running is skipped).
    const setup = [
      'CREATE TABLE a(n INT)',
      'CREATE TABLE b(n INT)',
      'CREATE TRIGGER a_b AFTER INSERT ON a WHEN new.n < 2000 BEGIN INSERT INTO b VALUES (new.n + 1); END',
      'CREATE TRIGGER b_a AFTER INSERT ON b BEGIN INSERT INTO a VALUES (new.n + 1); END',
    ];
    expect(await agree('trig-depth', setup, ['INSERT INTO a VALUES (1990)', 'SELECT count(*) FROM a', 'INSERT INTO a VALUES (0)', 'SELECT count(*) FROM b'], ['a', 'b'], false)).toEqual([]);
  });

  it.each([1, 2, 3, 4, 5, 6])('random triggers and statements (seed %i)', async (seed) => {
    const r = new Rng(seed * 104729);
    const bad: string[] = [];
    for (let round = 0; round < 8 && bad.length === 0; round++) {
      const schema = genTriggerSchema(r);
      const statements = Array.from({ length: 40 }, () => genTriggerStatement(r));
      const why = await agree(`trig-random-${seed}-${round}`, schema.statements, statements, schema.tables, false);
      if (why.length) bad.push(`schema:\n  ${schema.statements.join(';\n  ')}\n${why.join('\n')}`);
    }
    expect(bad).toEqual([]);
  });

  it('a trigger on a branch writes that branch only', async () => {
    const db = DB('trig-branch', { storage: 'memory' });
    try {
      await db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE audit(id, what); INSERT INTO t VALUES (1, 'a')");
      await db.branch('audited');
      await db.checkout('audited');
      await db.exec("CREATE TRIGGER t_audit AFTER UPDATE ON t BEGIN INSERT INTO audit VALUES (new.id, old.v || '>' || new.v); END");
      await db.run("UPDATE t SET v = 'b'");
      expect(await db.prepare('SELECT * FROM audit').raw(true).all()).toEqual([[1, 'a>b']]);
      await db.checkout('main');
      await db.run("UPDATE t SET v = 'c'");
      expect(await db.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
