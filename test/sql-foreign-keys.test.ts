// Foreign keys enforced as SQLite enforces them with PRAGMA foreign_keys = ON (dosql's
// default): every ON DELETE / ON UPDATE action, deferred constraints checked at COMMIT (which
// fails and leaves the transaction open), RESTRICT versus NO ACTION, self references and
// cascade chains, composite and UNIQUE parent keys, affinity and collation of the parent key,
// REPLACE and UPSERT, foreign_key_check, and SQLite's errors for a parent that is missing or
// not unique. Scenarios written out, then random schemas and statement streams (fk-gen.ts)
// with every statement's outcome and every table compared after it. dosql's message names
// the constraint after SQLite's text ("FOREIGN KEY constraint failed: c(x) REFERENCES p(id)").
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { agree } from './support/oracle-stream.js';
import { genFkSchema, genFkStatement } from './support/sql-gen/fk-gen.js';
import { Rng } from './support/sql-gen/random.js';

const SCENARIOS: { name: string; setup: string[]; run: string[] }[] = [
  {
    name: 'every ON DELETE action',
    setup: [
      'CREATE TABLE p(id INTEGER PRIMARY KEY, u TEXT UNIQUE)',
      "CREATE TABLE c(x INT DEFAULT 2 REFERENCES p(id) ON DELETE CASCADE, y REFERENCES p(id) ON DELETE SET NULL, z DEFAULT 3 REFERENCES p ON DELETE SET DEFAULT, r REFERENCES p(u) ON DELETE RESTRICT, n REFERENCES p(u))",
      "INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
    ],
    run: [
      "INSERT INTO c VALUES (1, 1, 1, NULL, NULL), (2, 1, 4, 'c', NULL), (4, 4, 4, NULL, 'd')",
      'DELETE FROM p WHERE id = 1',
      'DELETE FROM p WHERE id = 3',
      "DELETE FROM p WHERE u = 'd'",
      'DELETE FROM c WHERE n IS NOT NULL',
      "DELETE FROM p WHERE u = 'd'",
      'INSERT INTO c(x) VALUES (9)',
      'DELETE FROM p',
      "UPDATE c SET r = NULL",
      'DELETE FROM p',
    ],
  },
  {
    name: 'every ON UPDATE action and parent keys that do not change',
    setup: [
      'CREATE TABLE p(id INTEGER PRIMARY KEY, u TEXT COLLATE NOCASE UNIQUE)',
      "CREATE TABLE c(x REFERENCES p ON UPDATE CASCADE, y REFERENCES p(u) ON UPDATE SET NULL, z DEFAULT 'b' REFERENCES p(u) ON UPDATE SET DEFAULT, r REFERENCES p(id) ON UPDATE RESTRICT)",
      "INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c')",
      "INSERT INTO c VALUES (1, 'a', 'c', NULL), (2, 'b', 'a', 3)",
    ],
    run: [
      'UPDATE p SET id = 10 WHERE id = 1',
      "UPDATE p SET u = 'A' WHERE id = 10",
      "UPDATE p SET u = 'z' WHERE id = 10",
      "UPDATE p SET u = 'y' WHERE u = 'c'",
      'UPDATE p SET id = 30 WHERE id = 3',
      'UPDATE p SET id = id WHERE id = 3',
      "UPDATE p SET u = 'q' WHERE id = 2",
      'UPDATE c SET x = 99',
      'UPDATE c SET x = 2 WHERE x = 10',
      'UPDATE c SET v = 1',
    ],
  },
  {
    name: 'deferred constraints fail COMMIT and keep the transaction open',
    setup: ['CREATE TABLE p(id INTEGER PRIMARY KEY)', 'CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY DEFERRED, y REFERENCES p ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED)', 'INSERT INTO p VALUES (1)'],
    run: [
      'INSERT INTO c VALUES (5, NULL)',
      'BEGIN',
      'INSERT INTO c VALUES (6, NULL)',
      'COMMIT',
      'INSERT INTO p VALUES (6)',
      'COMMIT',
      'BEGIN',
      'DELETE FROM p WHERE id = 6',
      'INSERT INTO p VALUES (6)',
      'COMMIT',
      'BEGIN',
      'DELETE FROM p WHERE id = 6',
      'SAVEPOINT s',
      'INSERT INTO p VALUES (6)',
      'ROLLBACK TO s',
      'COMMIT',
      'ROLLBACK',
      'INSERT INTO c VALUES (NULL, 1)',
      'DELETE FROM p WHERE id = 1',
      'PRAGMA foreign_key_check',
    ],
  },
  {
    name: 'self references, cascade chains and REPLACE',
    setup: ['CREATE TABLE tree(id INTEGER PRIMARY KEY, parent REFERENCES tree(id) ON DELETE CASCADE ON UPDATE CASCADE, name UNIQUE)', 'CREATE TABLE leaf(t REFERENCES tree ON DELETE SET NULL, v)'],
    run: [
      'INSERT INTO tree VALUES (2, 1, NULL), (1, NULL, NULL)',
      "INSERT INTO tree VALUES (3, 2, 'c'), (4, 3, 'd'), (5, 4, 'e'), (6, 1, 'f')",
      'INSERT INTO leaf VALUES (5, 1), (6, 2), (1, 3)',
      'UPDATE tree SET id = 20 WHERE id = 2',
      'DELETE FROM tree WHERE id = 3',
      "INSERT OR REPLACE INTO tree VALUES (7, 6, 'f')",
      'INSERT OR REPLACE INTO tree VALUES (1, NULL, NULL)',
      'INSERT INTO tree VALUES (8, 8, NULL)',
      'DELETE FROM tree WHERE id = 8',
      'INSERT INTO tree VALUES (9, 10, NULL), (10, 9, NULL)',
      'UPDATE tree SET parent = NULL',
      'DELETE FROM tree',
    ],
  },
  {
    name: 'composite, UNIQUE and WITHOUT ROWID parent keys with affinity and collation',
    setup: [
      'CREATE TABLE p(a TEXT, b INT, c TEXT COLLATE NOCASE, PRIMARY KEY(a, b)) WITHOUT ROWID',
      'CREATE UNIQUE INDEX p_c ON p(c)',
      'CREATE TABLE c(x, y, z, FOREIGN KEY (x, y) REFERENCES p(a, b) ON DELETE CASCADE, FOREIGN KEY (z) REFERENCES p(c) ON UPDATE CASCADE)',
    ],
    run: [
      "INSERT INTO p VALUES ('k', 1, 'one'), ('k', 2, 'two'), ('1', 3, NULL)",
      "INSERT INTO c VALUES ('k', '1', 'ONE')",
      "INSERT INTO c VALUES ('k', 1.0, 'Two')",
      'INSERT INTO c VALUES (1, 3, NULL)',
      "INSERT INTO c VALUES ('k', 3, NULL)",
      "INSERT INTO c VALUES ('k', NULL, 'zzz')",
      "UPDATE p SET c = 'uno' WHERE c = 'one'",
      "DELETE FROM p WHERE a = 'k' AND b = 1",
      'UPDATE p SET b = 5',
      "INSERT INTO c VALUES ('K', 2, NULL)",
    ],
  },
  {
    name: 'UPSERT, NOT NULL and CHECK on rewritten children, FOREIGN KEY off and back on',
    setup: ['CREATE TABLE p(id INTEGER PRIMARY KEY, v)', 'CREATE TABLE c(id INTEGER PRIMARY KEY, pid NOT NULL REFERENCES p ON DELETE SET NULL, q REFERENCES p ON UPDATE SET NULL CHECK (q IS NOT NULL OR id > 5))', 'INSERT INTO p VALUES (1, 0), (2, 0)'],
    run: [
      'INSERT INTO c VALUES (1, 1, 2)',
      'INSERT INTO c VALUES (1, 2, 2) ON CONFLICT(id) DO UPDATE SET pid = 7',
      'INSERT INTO c VALUES (1, 2, 2) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid',
      'UPDATE p SET id = 3 WHERE id = 2',
      'DELETE FROM p WHERE id = 2',
      'PRAGMA foreign_keys = OFF',
      'PRAGMA foreign_keys',
      'INSERT INTO c VALUES (9, 42, 42)',
      'DELETE FROM p',
      'PRAGMA foreign_keys = ON',
      'PRAGMA foreign_key_check',
      'PRAGMA foreign_key_check(c)',
      'SELECT * FROM pragma_foreign_key_check',
      'BEGIN',
      'PRAGMA foreign_keys = OFF',
      'PRAGMA foreign_keys',
      'COMMIT',
      'INSERT INTO c VALUES (10, 42, NULL)',
    ],
  },
  {
    name: 'a parent that is missing or not unique',
    setup: ['CREATE TABLE p(id INTEGER PRIMARY KEY, v, w UNIQUE)', 'CREATE TABLE bad(x REFERENCES p(v))', 'CREATE TABLE gone(y REFERENCES nowhere(id))', 'CREATE TABLE ok(z REFERENCES p(w))'],
    run: [
      'INSERT INTO gone VALUES (NULL)',
      'INSERT INTO bad VALUES (1)',
      'INSERT INTO p VALUES (1, 1, 1)',
      'INSERT INTO ok VALUES (1)',
      'DELETE FROM p',
      'UPDATE p SET v = 2',
      'UPDATE p SET w = 2',
      'DELETE FROM ok',
      'DELETE FROM gone',
      'PRAGMA foreign_key_check(ok)',
      'PRAGMA foreign_key_check',
    ],
  },
];

describe('foreign keys agree with SQLite', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const tables = s.setup.filter((x) => x.startsWith('CREATE TABLE')).map((x) => /^CREATE TABLE (\w+)/.exec(x)![1]!);
    expect(await agree(`fk-${s.name}`, s.setup, s.run, tables)).toEqual([]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random schemas and statements (seed %i)', async (seed) => {
    const r = new Rng(seed * 7919);
    const bad: string[] = [];
    for (let round = 0; round < 10 && bad.length === 0; round++) {
      const schema = genFkSchema(r);
      const statements = Array.from({ length: 60 }, () => genFkStatement(r, schema));
      const why = await agree(`fk-random-${seed}-${round}`, schema.statements, statements, schema.tables.map((t) => t.name));
      if (why.length) bad.push(`schema:\n  ${schema.statements.join(';\n  ')}\n${why.join('\n')}`);
    }
    expect(bad).toEqual([]);
  });

  it('names the constraint that failed', async () => {
    const db = DB('fk-names', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(a, b, CONSTRAINT c_to_p FOREIGN KEY (b) REFERENCES p(id))');
      await expect(db.run('INSERT INTO c VALUES (1, 2)')).rejects.toMatchObject({ code: 'CONSTRAINT_FOREIGNKEY', message: 'sql: FOREIGN KEY constraint failed: c_to_p (c(b) REFERENCES p(id))' });
    } finally {
      await db.close();
    }
  });

  it('cascades on a branch without touching main, and time travel sees the rows before', async () => {
    const db = DB('fk-branch', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(id INTEGER PRIMARY KEY, pid REFERENCES p ON DELETE CASCADE); INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (10, 1), (11, 1), (12, 2)');
      const { lsn } = await db.createSnapshot('before');
      await db.branch('trim');
      await db.checkout('trim');
      await db.run('DELETE FROM p WHERE id = 1');
      expect(await db.prepare('SELECT id FROM c ORDER BY id').pluck().all()).toEqual([12]);
      await expect(db.run('INSERT INTO c VALUES (13, 1)')).rejects.toMatchObject({ code: 'CONSTRAINT_FOREIGNKEY' });
      await db.checkout('main');
      expect(await db.prepare('SELECT id FROM c ORDER BY id').pluck().all()).toEqual([10, 11, 12]);
      await db.run('DELETE FROM p WHERE id = 2');
      expect(await db.prepare('SELECT id FROM c ORDER BY id').pluck().all()).toEqual([10, 11]);
      expect(await db.prepare(`SELECT id FROM c FOR SYSTEM_TIME AS OF LSN ${lsn} ORDER BY id`).pluck().all()).toEqual([10, 11, 12]);
    } finally {
      await db.close();
    }
  });
});
