// The seeds' SQL run as written gives SQLite's answers: seed 000's CTE and window queries over
// tables of the shapes they read, its SQL triggers (json_object bodies, WHEN, BEFORE with
// RAISE, INSTEAD OF on a view, UPDATE OF) fired by writes, and seed 004's five migrations —
// the schema each leaves (sqlite_schema, every table's columns, indexes and foreign keys) and
// its foreign keys acting (CASCADE, orphans refused). better-sqlite3 is the oracle.
import { describe, expect, it } from 'vitest';
import { OraclePair } from './support/oracle-pair.js';
import { SEED000_QUERIES, SEED000_TRIGGERS, SEED004_SCHEMAS } from './support/seed-sql.js';

/** 1..n as a FROM source (better-sqlite3 has no generate_series). */
const series = (n: number): string => `(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ${n}) SELECT value FROM s)`;

/** Tables of the shapes seed 000's queries read, with rows that exercise them (dates relative to now, as the queries are). */
const SEED000_DATA = [
  'CREATE TABLE departments(id INTEGER PRIMARY KEY, name TEXT)',
  'CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT, department_id INT, salary REAL)',
  'CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT, price REAL, stock INT)',
  'CREATE TABLE orders(order_id INTEGER PRIMARY KEY, id INT, customer_id INT, product_id INT, quantity INT, total REAL, order_date TEXT)',
  'CREATE TABLE employee_performance(employee_id INT, name TEXT, department_id INT, sales_total REAL, period TEXT)',
  'CREATE TABLE user_events(user_id INT, event_time TEXT)',
  "INSERT INTO departments VALUES (1, 'Sales'), (2, 'Eng'), (3, 'Ops'), (4, 'Legal'), (5, 'HR'), (6, 'Empty')",
  `INSERT INTO employees(name, department_id, salary) SELECT 'e' || value, value % 5 + 1, 40000 + (value * 7919) % 50000 FROM ${series(40)}`,
  "INSERT INTO products VALUES (1, 'Widget', 9.5, 10), (2, 'Gadget', 20, 3), (3, 'Doohickey', 4.25, 0)",
  `INSERT INTO orders(customer_id, product_id, quantity, total, order_date) SELECT value % 4, value % 3 + 1, value % 5 + 1, (value * 37) % 200 + 0.5, date('now', '-' || (value * 11 % 400) || ' days') FROM ${series(120)}`,
  `INSERT INTO employee_performance SELECT value, 'p' || value, value % 3, (value * 131) % 1000, CASE WHEN value % 4 = 0 THEN '2024-Q3' ELSE '2024-Q4' END FROM ${series(30)}`,
  `INSERT INTO user_events SELECT value % 3, datetime('2024-06-01 08:00:00', '+' || ((value * value * 7) % 600) || ' minutes') FROM ${series(60)}`,
];

describe("seed 000's SQL", () => {
  it('CTE and window-function queries answer as SQLite', async () => {
    const p = await OraclePair.open('seed000-windows', SEED000_DATA);
    try {
      const bad: string[] = [];
      for (const q of SEED000_QUERIES) {
        const why = await p.disagree(q, [], /ORDER BY month DESC, revenue DESC\s*$/.test(q.trim()));
        if (why) bad.push(why);
        expect((p.oracle(q) as { rows: unknown[] }).rows.length, q).toBeGreaterThan(0);
      }
      expect(bad).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('SQL triggers (json_object, WHEN, RAISE, INSTEAD OF, UPDATE OF) fire as SQLite fires them', async () => {
    const p = await OraclePair.open('seed000-triggers', [
      'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT, role TEXT, updated_by TEXT, deleted_at TEXT)',
      'CREATE TABLE audit_log(seq INTEGER PRIMARY KEY, table_name TEXT, row_id INT, action TEXT, old_values TEXT, new_values TEXT, changed_at TEXT, changed_by TEXT)',
      'CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INT, total REAL)',
      'CREATE TABLE notifications(seq INTEGER PRIMARY KEY, type TEXT, payload TEXT, created_at TEXT)',
      'CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT, price REAL, stock INT)',
      'CREATE TABLE price_history(seq INTEGER PRIMARY KEY, product_id INT, old_price REAL, new_price REAL, changed_at TEXT)',
    ]);
    try {
      for (const t of SEED000_TRIGGERS) {
        p.lite.exec(t);
        await p.db.run(t); // as the seed runs them: db.run, one holding two statements
      }
      const steps = [
        "INSERT INTO users(id, name, email, role) VALUES (1, 'Ann', 'ann@x.io', 'admin'), (2, 'Bob', 'bob@x.io', 'user')",
        "UPDATE users SET role = 'user', updated_by = 'ops' WHERE id = 1",
        'INSERT INTO orders VALUES (1, 1, 50), (2, 2, 1500.5), (3, 1, 1000), (4, 2, 1000.01)',
        "INSERT INTO products VALUES (1, 'Widget', 9.5, 10), (2, 'Gadget', 20, 3)",
        'UPDATE products SET stock = stock - 5',
        'UPDATE products SET price = price * 2 WHERE id = 1',
        'UPDATE products SET price = price, name = name',
        'UPDATE products SET stock = -1 WHERE id = 1',
        'DELETE FROM active_users WHERE id = 2',
        'SELECT id, name FROM active_users',
      ];
      const bad: string[] = [];
      for (const s of steps) {
        const why = await p.disagree(s);
        if (why) bad.push(why);
      }
      // Time columns are each engine's clock: compared for being set, not for their value.
      for (const q of [
        'SELECT seq, table_name, row_id, action, old_values, new_values, changed_by, changed_at IS NOT NULL FROM audit_log',
        'SELECT seq, type, payload, created_at IS NOT NULL FROM notifications',
        'SELECT seq, product_id, old_price, new_price, changed_at IS NOT NULL FROM price_history',
        'SELECT id, name, email, role, updated_by, deleted_at IS NOT NULL FROM users',
        'SELECT * FROM products',
      ]) {
        const why = await p.disagree(q);
        if (why) bad.push(why);
      }
      expect(bad).toEqual([]);
      expect(((await p.dosql('SELECT count(*) FROM notifications')) as { rows: bigint[][] }).rows).toEqual([[2n]]);
    } finally {
      await p.close();
    }
  });
});

describe("seed 004's schemas", () => {
  SEED004_SCHEMAS.forEach((sql, i) => {
    it(`migration ${i + 1} (${sql.split('\n')[0]!.replace(/^--\s*/, '')}) leaves SQLite's schema`, async () => {
      const p = await OraclePair.open(`seed004-${i}`);
      try {
        p.lite.exec(sql);
        await p.db.exec(sql);
        const bad: string[] = [];
        const check = async (q: string): Promise<void> => {
          const why = await p.disagree(q, [], false);
          if (why) bad.push(why);
        };
        // rootpage is dosql's key-space id (docs/sql.md): not compared.
        await check('SELECT type, name, tbl_name, sql FROM sqlite_schema');
        const tables = (p.lite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]).filter((n) => n !== 'sqlite_sequence');
        const indexes = p.lite.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").pluck().all() as string[];
        for (const t of tables) for (const pr of ['table_xinfo', 'index_list', 'foreign_key_list']) await check(`PRAGMA ${pr}(${t})`);
        for (const ix of indexes) await check(`PRAGMA index_xinfo(${ix})`);
        expect(bad).toEqual([]);
      } finally {
        await p.close();
      }
    });
  });

  it("migration 1's foreign keys act as SQLite's (CASCADE, orphans refused, AUTOINCREMENT ids)", async () => {
    const p = await OraclePair.open('seed004-fk', [SEED004_SCHEMAS[0]!]);
    try {
      const steps = [
        "INSERT INTO users(email, name, role) VALUES ('a@x.io', 'Ann', 'owner'), ('b@x.io', 'Bob', 'member')",
        "INSERT INTO users(email, name, role) VALUES ('c@x.io', 'Cy', 'boss')",
        "INSERT INTO projects(name, owner_id) VALUES ('P1', 1), ('P2', 2)",
        "INSERT INTO projects(name, owner_id) VALUES ('orphan', 99)",
        "INSERT INTO tasks(project_id, title, assignee_id) VALUES (1, 't1', 2), (1, 't2', NULL), (2, 't3', 1)",
        "INSERT INTO tasks(project_id, title) VALUES (42, 'orphan task')",
        'DELETE FROM users WHERE id = 2',
        'DELETE FROM projects WHERE id = 1',
        "INSERT INTO projects(name, owner_id) VALUES ('P3', 1)",
        'SELECT * FROM sqlite_sequence ORDER BY name',
        'PRAGMA foreign_key_check',
      ];
      const bad: string[] = [];
      for (const s of steps) {
        // dosql's message goes on to name the constraint (docs/sql.md): SQLite's text is its start.
        const a = p.oracle(s);
        const b = await p.dosql(s);
        if ('error' in a || 'error' in b) {
          if (!('error' in a && 'error' in b && b.error.startsWith(a.error))) bad.push(`${s}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        } else {
          const why = await p.disagree(s.startsWith('SELECT') || s.startsWith('PRAGMA') ? s : 'SELECT changes()');
          if (why) bad.push(why);
        }
        for (const t of ['users', 'projects', 'tasks']) {
          const tw = await p.disagree(`SELECT id, ${t === 'users' ? 'email, name, role' : t === 'projects' ? 'name, owner_id, status' : 'project_id, title, assignee_id, status, priority'} FROM ${t} ORDER BY id`);
          if (tw) bad.push(`after ${s}: ${tw}`);
        }
      }
      expect(bad).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
