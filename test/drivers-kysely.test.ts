// dosql/kysely: Kysely's own query shapes (select, insert, update, delete, joins, aggregates,
// transactions with rollback, savepoints, streaming, migrations through Kysely's Migrator, and
// introspection) run on dosql and on better-sqlite3 through Kysely's SqliteDialect (the
// oracle), and must give the same answers.
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type Generated, type Migration, type MigrationProvider } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { DosqlDialect } from '../src/drivers/kysely.js';

interface Schema {
  person: { id: Generated<number>; first_name: string; last_name: string | null; age: number };
  pet: { id: Generated<number>; name: string; owner_id: number; species: string };
}

const open: Kysely<Schema>[] = [];
afterEach(async () => {
  for (const k of open.splice(0)) await k.destroy();
});

function both(): { dosql: Kysely<Schema>; oracle: Kysely<Schema> } {
  const dosql = new Kysely<Schema>({ dialect: new DosqlDialect({ database: DB('k', { storage: 'memory' }) }) });
  const oracle = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Sqlite(':memory:') }) });
  open.push(dosql, oracle);
  return { dosql, oracle };
}

const migrations: Record<string, Migration> = {
  '001_people': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('person')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text')
        .addColumn('age', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('person_last').on('person').column('last_name').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('person').execute();
    },
  },
  '002_pets': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pet')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('person.id').onDelete('cascade'))
        .addColumn('species', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('pet').execute();
    },
  },
};
const provider: MigrationProvider = { getMigrations: async () => migrations };

async function migrateBoth(d: { dosql: Kysely<Schema>; oracle: Kysely<Schema> }): Promise<void> {
  for (const k of [d.dosql, d.oracle]) {
    const { error, results } = await new Migrator({ db: k, provider }).migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.map((r) => [r.migrationName, r.status])).toEqual([
      ['001_people', 'Success'],
      ['002_pets', 'Success'],
    ]);
  }
}

/** The same work on both; the answers must agree. */
async function same<T>(d: { dosql: Kysely<Schema>; oracle: Kysely<Schema> }, work: (k: Kysely<Schema>) => Promise<T>): Promise<T> {
  const a = await work(d.dosql);
  const b = await work(d.oracle);
  expect(a).toEqual(b);
  return a;
}

async function seed(k: Kysely<Schema>): Promise<unknown> {
  const ids = [];
  for (const [first, last, age] of [['Jennifer', 'Aniston', 40], ['Arnold', 'Schwarzenegger', 70], ['Sylvester', null, 60]] as const) {
    const r = await k.insertInto('person').values({ first_name: first, last_name: last, age }).executeTakeFirstOrThrow();
    ids.push(r.insertId);
  }
  await k.insertInto('pet').values([{ name: 'Catto', owner_id: 1, species: 'cat' }, { name: 'Doggo', owner_id: 1, species: 'dog' }, { name: 'Hammo', owner_id: 2, species: 'hamster' }]).execute();
  return ids;
}

describe('dosql/kysely against Kysely on better-sqlite3', () => {
  it('migrates, inserts (insertId), selects, joins, aggregates, updates and deletes alike', async () => {
    const d = both();
    await migrateBoth(d);
    expect(await same(d, seed)).toEqual([1n, 2n, 3n]);
    await same(d, (k) => k.selectFrom('person').selectAll().orderBy('id').execute());
    await same(d, (k) => k.selectFrom('person').select(['first_name', 'age']).where('age', '>', 50).where('last_name', 'is not', null).execute());
    await same(d, (k) =>
      k.selectFrom('person').innerJoin('pet', 'pet.owner_id', 'person.id').select(['person.first_name', 'pet.name as pet_name', 'pet.species']).orderBy('pet.name').execute(),
    );
    await same(d, (k) =>
      k.selectFrom('person').leftJoin('pet', 'pet.owner_id', 'person.id').select((eb) => ['person.first_name', eb.fn.count<number>('pet.id').as('pets')]).groupBy('person.id').orderBy('person.id').execute(),
    );
    await same(d, (k) =>
      k.selectFrom('person').where((eb) => eb.exists(eb.selectFrom('pet').select('pet.id').whereRef('pet.owner_id', '=', 'person.id').where('species', '=', 'dog'))).select('first_name').execute(),
    );
    await same(d, (k) => k.selectFrom('person').select([sql<string>`upper(first_name)`.as('up'), 'age']).orderBy('age', 'desc').limit(2).offset(1).execute());
    const upd = await same(d, (k) => k.updateTable('person').set((eb) => ({ age: eb('age', '+', 1) })).where('age', '<', 65).executeTakeFirst());
    expect(upd.numUpdatedRows).toBe(2n);
    await same(d, (k) => k.insertInto('pet').values({ name: 'Birdo', owner_id: 3, species: 'bird' }).returning(['id', 'name']).execute());
    await same(d, (k) => k.insertInto('pet').values({ name: 'Catto', owner_id: 3, species: 'cat' }).onConflict((oc) => oc.column('name').doUpdateSet({ species: 'lion' })).execute());
    const del = await same(d, (k) => k.deleteFrom('pet').where('species', 'in', ['hamster', 'bird']).executeTakeFirst());
    expect(del.numDeletedRows).toBe(2n);
    await same(d, (k) => k.selectFrom('pet').selectAll().orderBy('id').execute());
    await same(d, (k) => k.selectFrom('person').select((eb) => [eb.fn.max('age').as('oldest'), eb.fn.avg<number>('age').as('mean')]).executeTakeFirst());
  });

  it('commits and rolls back transactions, savepoints included', async () => {
    const d = both();
    await migrateBoth(d);
    await same(d, seed);
    await same(d, async (k) => {
      await k.transaction().execute(async (tx) => {
        await tx.insertInto('person').values({ first_name: 'Kept', last_name: null, age: 1 }).execute();
      });
      const err = await k
        .transaction()
        .execute(async (tx) => {
          await tx.insertInto('person').values({ first_name: 'Gone', last_name: null, age: 2 }).execute();
          throw new Error('undo');
        })
        .catch((e: Error) => e.message);
      const ctx = await k.startTransaction().execute();
      await ctx.insertInto('person').values({ first_name: 'Outer', last_name: null, age: 3 }).execute();
      const sp = await ctx.savepoint('inner').execute();
      await sp.insertInto('person').values({ first_name: 'Inner', last_name: null, age: 4 }).execute();
      await sp.rollbackToSavepoint('inner').execute();
      await ctx.commit().execute();
      return [err, await k.selectFrom('person').select('first_name').orderBy('id').execute()];
    });
  });

  it('streams a select in chunks', async () => {
    const d = both();
    await migrateBoth(d);
    await same(d, seed);
    const rows: unknown[] = [];
    for await (const r of d.dosql.selectFrom('person').select(['id', 'first_name']).orderBy('id').stream(2)) rows.push(r);
    expect(rows).toEqual(await d.oracle.selectFrom('person').select(['id', 'first_name']).orderBy('id').execute());
  });

  it('introspects tables, views and columns as Kysely reads them from SQLite', async () => {
    const d = both();
    await migrateBoth(d);
    for (const k of [d.dosql, d.oracle]) await sql`CREATE VIEW dog_owners AS SELECT person.first_name FROM person JOIN pet ON pet.owner_id = person.id WHERE species = 'dog'`.execute(k);
    const tables = await same(d, (k) => k.introspection.getTables());
    expect(tables.map((t) => [t.name, t.isView])).toEqual([
      ['dog_owners', true],
      ['person', false],
      ['pet', false],
    ]);
    expect(tables.find((t) => t.name === 'person')!.columns.find((c) => c.name === 'id')!.isAutoIncrementing).toBe(true);
    await same(d, (k) => k.introspection.getTables({ withInternalKyselyTables: true }).then((ts) => ts.map((t) => t.name)));
  });
});
