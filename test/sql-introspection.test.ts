// Schema introspection against SQLite: sqlite_schema / sqlite_master, PRAGMA table_info,
// table_xinfo, index_list, index_info, index_xinfo, foreign_key_list, database_list and
// table_list, as statements and as pragma_* table-valued functions (also correlated:
// `FROM sqlite_master m, pragma_table_info(m.name)`), over a schema with every kind of column,
// key, index and view; then the exact queries Kysely's SqliteIntrospector (v0.28,
// src/dialect/sqlite/sqlite-introspector.ts, as its SQLite compiler prints them) and
// drizzle-kit's SQLite introspection issue, and the tables, columns, types, primary keys and
// foreign keys an introspector derives from their rows. rootpage is never compared: dosql has
// no pages (it shows the object's key-space id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { OraclePair } from './support/oracle-pair.js';
import type { SqlValue } from '../src/sql/types/value.js';

const SCHEMA = [
  'CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name varchar(100) DEFAULT \'anon\', age int DEFAULT -1, score REAL DEFAULT 0.5, created TEXT DEFAULT CURRENT_TIMESTAMP, flags DEFAULT (1 + 2), bio BLOB)',
  'CREATE TABLE "Order Items"(order_id INTEGER NOT NULL, line INT NOT NULL, sku TEXT COLLATE NOCASE, qty NUMERIC(10, 2) DEFAULT 1, PRIMARY KEY(order_id, line), FOREIGN KEY(order_id) REFERENCES orders(id) ON DELETE CASCADE ON UPDATE CASCADE)',
  'CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL, status TEXT NOT NULL DEFAULT \'new\' CHECK (status IN (\'new\', \'paid\')), total DECIMAL(12,2), note TEXT, UNIQUE(user_id, status))',
  'CREATE TABLE tags(name TEXT PRIMARY KEY, parent TEXT REFERENCES tags, color TEXT UNIQUE) WITHOUT ROWID',
  'CREATE TABLE order_tags(order_id INTEGER, tag TEXT, added TEXT, CONSTRAINT fk_o FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE RESTRICT, CONSTRAINT fk_t FOREIGN KEY (tag) REFERENCES tags(name) ON UPDATE SET DEFAULT DEFERRABLE INITIALLY DEFERRED, PRIMARY KEY(tag, order_id)) WITHOUT ROWID',
  'CREATE TABLE pairs(a, b, c, UNIQUE(a, b), UNIQUE(c), FOREIGN KEY (a, b) REFERENCES pairs(b, a))',
  'CREATE TABLE kysely_migration(name TEXT PRIMARY KEY, ts TEXT)',
  'CREATE INDEX orders_by_user ON orders(user_id, status DESC)',
  'CREATE UNIQUE INDEX users_lower ON users(name COLLATE NOCASE, age)',
  "CREATE INDEX open_orders ON orders(id) WHERE status = 'new'",
  'CREATE VIEW user_orders AS SELECT u.id, u.email, o.total, o.status AS st, length(o.note) FROM users u JOIN orders o ON o.user_id = u.id',
  'CREATE VIEW named(x, y) AS SELECT id, name FROM users',
  'CREATE VIEW star AS SELECT * FROM tags',
  'CREATE TRIGGER orders_paid AFTER UPDATE OF status ON orders BEGIN SELECT 1; END',
];

const TABLES = ['users', 'Order Items', 'orders', 'tags', 'order_tags', 'pairs', 'kysely_migration', 'user_orders', 'named', 'star', 'nosuch', 'sqlite_master', 'sqlite_schema', 'USERS'];
const INDEXES = ['orders_by_user', 'users_lower', 'open_orders', 'sqlite_autoindex_users_1', 'sqlite_autoindex_Order Items_1', 'sqlite_autoindex_orders_1', 'sqlite_autoindex_tags_1', 'sqlite_autoindex_tags_2', 'sqlite_autoindex_order_tags_1', 'sqlite_autoindex_pairs_1', 'sqlite_autoindex_pairs_2', 'tags', 'order_tags', 'nosuch'];

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** Kysely's SqliteIntrospector queries (tables, then columns per table through pragma_table_info), compiled for SQLite. */
const KYSELY_TABLES =
  'select "name", "sql", "type" from "sqlite_master" where "type" in (?, ?) and "name" not like ? and "name" != ? and "name" != ? order by "name"';
const KYSELY_COLUMNS =
  'with "table_list" as (select "name", "sql", "type" from "sqlite_master" where "type" in (?, ?) and "name" not like ? and "name" != ? and "name" != ? order by "name") select "tl"."name" as "table", "p"."cid", "p"."name", "p"."type", "p"."notnull", "p"."dflt_value", "p"."pk" from "table_list" as "tl", pragma_table_info(tl.name) as "p" order by "tl"."name", "p"."cid"';
const KYSELY_PARAMS: SqlValue[] = ['table', 'view', 'sqlite_%', 'kysely_migration', 'kysely_migration_lock'];

/** drizzle-kit's SQLite introspection: columns (table_xinfo), foreign keys and indexes. */
const DRIZZLE = [
  `SELECT m.name as "tableName", p.name as "columnName", p.type as "columnType", p."notnull" as "notNull", p.dflt_value as "defaultValue", p.pk as pk, p.hidden as hidden, m.sql, m.type as type
   FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p
   WHERE (m.type = 'table' OR m.type = 'view') and m.tbl_name != 'sqlite_sequence' and m.tbl_name != 'sqlite_stat1' and m.tbl_name != '_litestream_seq' and m.tbl_name != '_litestream_lock' and m.tbl_name != 'libsql_wasm_func_table' and m.tbl_name != '__drizzle_migrations' and m.tbl_name != '_cf_KV'`,
  `SELECT m.name as "tableFrom", f.id as "id", f."table" as "tableTo", f."from", f."to", f."on_update" as "onUpdate", f."on_delete" as "onDelete", f.seq as "seq"
   FROM sqlite_master m, pragma_foreign_key_list(m.name) as f where m.tbl_name != '_cf_KV'`,
  `SELECT m.tbl_name as tableName, il.name as indexName, ii.name as columnName, il.[unique] as isUnique, il.seq as seq
   FROM sqlite_master AS m, pragma_index_list(m.name) AS il, pragma_index_info(il.name) AS ii
   WHERE m.type = 'table' and il.name NOT LIKE 'sqlite_autoindex_%' and m.tbl_name != '_cf_KV'`,
  `SELECT name as "viewName", sql AS "viewSQL" FROM sqlite_master WHERE type = 'view'`,
];

describe('schema introspection agrees with SQLite', () => {
  let p: OraclePair;

  beforeAll(async () => {
    p = await OraclePair.open('introspection', SCHEMA);
  });
  afterAll(async () => {
    await p.close();
  });

  it('sqlite_schema and its aliases', async () => {
    // Before anything reads a temp schema (SQLite lists "temp" once it exists).
    const sqls = ['PRAGMA database_list', 'SELECT * FROM pragma_database_list'];
    for (const t of ['sqlite_schema', 'sqlite_master', 'main.sqlite_master', 'sqlite_temp_master', 'sqlite_temp_schema']) {
      sqls.push(
        `SELECT type, name, tbl_name, sql FROM ${t} ORDER BY name`,
        `SELECT name FROM ${t} WHERE type = 'index' AND sql IS NULL ORDER BY 1`,
        `SELECT count(*), typeof(rootpage) FROM ${t} WHERE type IN ('table', 'index') GROUP BY 2`,
        `SELECT rootpage FROM ${t} WHERE type IN ('view', 'trigger')`,
      );
    }
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it('every schema PRAGMA on every table and index, as a statement and as a table-valued function', async () => {
    const sqls: string[] = ['PRAGMA main.table_info(users)', 'PRAGMA temp.table_info(users)', 'PRAGMA table_info', 'SELECT * FROM pragma_table_info'];
    for (const t of TABLES) {
      for (const pr of ['table_info', 'table_xinfo', 'index_list', 'foreign_key_list']) {
        sqls.push(`PRAGMA ${pr}(${ident(t)})`, `PRAGMA ${pr}(${quote(t)})`, `SELECT *, arg, schema FROM pragma_${pr}(${quote(t)})`, `SELECT * FROM pragma_${pr} WHERE arg = ${quote(t)}`, `SELECT * FROM pragma_${pr}(${quote(t)}, 'main')`);
      }
    }
    for (const ix of INDEXES) for (const pr of ['index_info', 'index_xinfo']) sqls.push(`PRAGMA ${pr}(${ident(ix)})`, `SELECT * FROM pragma_${pr}(${quote(ix)})`);
    expect(await p.disagreements(sqls)).toEqual([]);
    // table_list's order is SQLite's hash order: compared as a set.
    expect(await p.disagreements(['PRAGMA table_list', 'SELECT * FROM pragma_table_list', "PRAGMA table_list('orders')"], false)).toEqual([]);
  });

  it('correlated pragma functions over sqlite_master', async () => {
    const sqls = [
      'SELECT m.name, p.* FROM sqlite_master m, pragma_table_info(m.name) p ORDER BY 1, 2',
      'SELECT m.name, p.name, p.hidden FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p ORDER BY 1, 2',
      'SELECT m.name, il.* FROM sqlite_master m, pragma_index_list(m.name) il ORDER BY 1, 2',
      'SELECT il.name, ii.* FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_xinfo(il.name) ii ORDER BY 1, 2',
      'SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f ORDER BY 1, 2, 3',
      'SELECT name, (SELECT count(*) FROM pragma_table_info(name)), (SELECT group_concat(name) FROM pragma_index_list(m.name)) FROM sqlite_master m ORDER BY 1',
      "SELECT m.name FROM sqlite_master m WHERE EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name) WHERE \"table\" = 'orders') ORDER BY 1",
    ];
    expect(await p.disagreements(sqls)).toEqual([]);
  });

  it("Kysely's and drizzle-kit's introspection queries", async () => {
    const bad: string[] = [];
    for (const q of [KYSELY_TABLES, KYSELY_COLUMNS]) {
      const why = await p.disagree(q, KYSELY_PARAMS);
      if (why) bad.push(why);
    }
    bad.push(...(await p.disagreements(DRIZZLE, false)));
    expect(bad).toEqual([]);
  });

  it('the tables, columns, types, primary keys and foreign keys an introspector derives', async () => {
    const derive = (tables: SqlValue[][], columns: SqlValue[][], fks: SqlValue[][]): unknown =>
      tables.map(([name, , type]) => ({
        name,
        view: type === 'view',
        columns: columns.filter((c) => c[0] === name).map(([, , col, dataType, notnull, dflt, pk]) => ({ col, dataType, nullable: notnull === 0n, hasDefault: dflt !== null, pk })),
        foreignKeys: fks.filter((f) => f[0] === name).map((f) => f.slice(1)),
      }));
    const fkQuery = DRIZZLE[1]! + ' ORDER BY 1, 2, 8';
    const lite = p.oracle(KYSELY_TABLES, KYSELY_PARAMS);
    const liteCols = p.oracle(KYSELY_COLUMNS, KYSELY_PARAMS);
    const liteFks = p.oracle(fkQuery);
    const ours = await p.dosql(KYSELY_TABLES, KYSELY_PARAMS);
    const ourCols = await p.dosql(KYSELY_COLUMNS, KYSELY_PARAMS);
    const ourFks = await p.dosql(fkQuery);
    if (!('rows' in lite && 'rows' in liteCols && 'rows' in liteFks && 'rows' in ours && 'rows' in ourCols && 'rows' in ourFks)) throw new Error('an introspection query failed');
    const want = derive(lite.rows, liteCols.rows, liteFks.rows) as { name: string; columns: { pk: bigint }[]; foreignKeys: unknown[] }[];
    expect(derive(ours.rows, ourCols.rows, ourFks.rows)).toEqual(want);
    // The derived schema is not empty: every table is there, with its keys.
    expect(want.map((t) => t.name)).toEqual(['Order Items', 'named', 'order_tags', 'orders', 'pairs', 'star', 'tags', 'user_orders', 'users']);
    expect(want.find((t) => t.name === 'order_tags')!.columns.map((c) => c.pk)).toEqual([2n, 1n, 0n]);
    expect(want.find((t) => t.name === 'order_tags')!.foreignKeys).toHaveLength(2);
  });

  it('reads the schema of the branch checked out', async () => {
    const db = DB('introspection-branch', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE a(x INTEGER PRIMARY KEY, y TEXT)');
      await db.branch('feature');
      await db.checkout('feature');
      await db.exec('CREATE TABLE b(z REFERENCES a(x)); ALTER TABLE a ADD COLUMN w INT DEFAULT 7');
      const q = async (sql: string): Promise<unknown[]> => db.prepare(sql).raw(true).all();
      expect(await q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")).toEqual([['a'], ['b']]);
      expect(await q("SELECT name, dflt_value FROM pragma_table_info('a')")).toEqual([['x', null], ['y', null], ['w', '7']]);
      expect(await q("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('b')")).toEqual([['a', 'z', 'x']]);
      await db.checkout('main');
      expect(await q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")).toEqual([['a']]);
      expect(await q("SELECT name FROM pragma_table_info('a')")).toEqual([['x'], ['y']]);
    } finally {
      await db.close();
    }
  });
});
