// dosql/drizzle: Drizzle's own query shapes (select with where/orderBy/limit, joins, aggregates,
// insert ... returning, onConflictDoUpdate, update, delete, relational queries, batch,
// transactions with rollback and nested savepoints) on dosql and on drizzle-orm/better-sqlite3
// (the oracle) must agree; drizzle-kit's migrations folder applies through migrate().
import Sqlite from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, relations, sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { drizzle, migrate } from '../src/drivers/drizzle.js';

const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  age: integer('age').notNull(),
});
const posts = sqliteTable('posts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  authorId: integer('author_id').notNull().references(() => users.id),
  title: text('title').notNull(),
});
const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
const postsRelations = relations(posts, ({ one }) => ({ author: one(users, { fields: [posts.authorId], references: [users.id] }) }));
const schema = { users, posts, usersRelations, postsRelations };

const root = mkdtempSync(join(tmpdir(), 'dosql-drizzle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A drizzle-kit migrations folder: the journal and one migration with statement breakpoints. */
function migrationsFolder(): string {
  const dir = join(root, 'drizzle');
  mkdirSync(join(dir, 'meta'), { recursive: true });
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'sqlite', entries: [{ idx: 0, version: '6', when: 1700000000000, tag: '0000_init', breakpoints: true }] }));
  writeFileSync(
    join(dir, '0000_init.sql'),
    'CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `name` text NOT NULL, `age` integer NOT NULL);\n--> statement-breakpoint\nCREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);\n--> statement-breakpoint\nCREATE TABLE `posts` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `author_id` integer NOT NULL REFERENCES `users`(`id`), `title` text NOT NULL);',
  );
  return dir;
}

describe('dosql/drizzle against drizzle-orm/better-sqlite3', () => {
  it('migrates, then answers Drizzle queries, batches and transactions as SQLite does', async () => {
    const folder = migrationsFolder();
    const handle = DB('dz', { storage: 'memory' });
    await migrate(handle, { migrationsFolder: folder });
    // Applying again finds nothing new.
    await migrate(handle, { migrationsFolder: folder });
    const a = drizzle(handle, { schema });
    const oracleDb = new Sqlite(':memory:');
    const { migrate: migrateSqlite } = await import('drizzle-orm/better-sqlite3/migrator');
    const b = drizzleSqlite(oracleDb, { schema });
    migrateSqlite(b, { migrationsFolder: folder });

    // The same query builders on both (their result types differ only in `run`'s, normalised below).
    type Orm = typeof a;
    const same = async (work: (db: Orm) => Promise<unknown>): Promise<unknown> => {
      // A run's result: sqlite-proxy's { rows: [] } beside better-sqlite3's { changes, lastInsertRowid }.
      const plain = (v: unknown): unknown => (v !== null && typeof v === 'object' && 'changes' in v && 'rows' in v ? { ...(v as object), rows: undefined } : v);
      const x = plain(await work(a));
      const y = plain(await work(b as unknown as Orm));
      expect(x).toEqual(y);
      return x;
    };
    expect(await same((db) => db.insert(users).values([{ name: 'ann', age: 31 }, { name: 'bo', age: 25 }, { name: 'cy', age: 47 }]).returning({ id: users.id }))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    await same((db) => db.insert(posts).values([{ authorId: 1, title: 'hello' }, { authorId: 1, title: 'again' }, { authorId: 3, title: 'third' }]));
    await same((db) => db.select().from(users).where(and(gt(users.age, 26), eq(users.name, 'cy'))));
    await same((db) => db.select({ name: users.name }).from(users).orderBy(desc(users.age)).limit(2).offset(1));
    await same((db) => db.select({ author: users.name, title: posts.title }).from(posts).innerJoin(users, eq(posts.authorId, users.id)).orderBy(asc(posts.id)));
    await same((db) => db.select({ name: users.name, n: count(posts.id) }).from(users).leftJoin(posts, eq(posts.authorId, users.id)).groupBy(users.id).orderBy(users.id));
    await same((db) => db.insert(users).values({ name: 'bo', age: 99 }).onConflictDoUpdate({ target: users.name, set: { age: sql`${users.age} + 1` } }).returning());
    await same((db) => db.update(users).set({ age: 50 }).where(eq(users.id, 3)).returning({ age: users.age }));
    await same((db) => db.delete(posts).where(eq(posts.title, 'again')).returning());
    await same((db) => db.query.users.findMany({ with: { posts: { columns: { title: true } } }, orderBy: (u, { asc: up }) => [up(u.id)] }));
    await same((db) => db.query.posts.findFirst({ with: { author: true } }));
    // A batch on dosql answers as the same statements one by one on SQLite (better-sqlite3 has no batch).
    // (Not the new id: SQLite's AUTOINCREMENT counter also moved for the upsert above, dosql's did not.)
    const batched = await a.batch([a.insert(users).values({ name: 'dee', age: 20 }).returning({ name: users.name }), a.select({ n: count() }).from(users)]);
    expect(batched).toEqual([await b.insert(users).values({ name: 'dee', age: 20 }).returning({ name: users.name }), await b.select({ n: count() }).from(users)]);
    // ... and is all or nothing: the duplicate name fails the second insert, the first is undone.
    await expect(a.batch([a.insert(users).values({ name: 'eve', age: 1 }), a.insert(users).values({ name: 'eve', age: 2 })])).rejects.toMatchObject({ code: 'CONSTRAINT_UNIQUE' });
    expect(await a.select().from(users).where(eq(users.name, 'eve'))).toEqual([]);
    // Transactions (better-sqlite3's drizzle runs them synchronously, so no oracle here): a
    // rollback undoes the transaction, a nested one rolls back to its savepoint only.
    const err = await a
      .transaction(async (tx) => {
        await tx.insert(users).values({ name: 'gone', age: 1 });
        tx.rollback();
      })
      .catch((e: Error) => e.message);
    expect(err).toBe('Rollback');
    await a.transaction(async (tx) => {
      await tx.insert(users).values({ name: 'kept', age: 2 });
      await tx
        .transaction(async (inner) => {
          await inner.insert(users).values({ name: 'inner', age: 3 });
          inner.rollback();
        })
        .catch(() => undefined);
    });
    expect((await a.select({ name: users.name }).from(users).orderBy(users.id)).map((r) => r.name)).toEqual(['ann', 'bo', 'cy', 'dee', 'kept']);
    await handle.close();
    oracleDb.close();
  });
});
