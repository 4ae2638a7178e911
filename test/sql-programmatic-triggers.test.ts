// dosql/triggers, seed 000's "Programmatic Triggers": a registry of TypeScript handlers fired
// by the database's statements. Lower priority first; BEFORE handlers replace or reject the
// row inside the statement (a rejection undoes the statement); AFTER handlers run once the
// change committed — never for a statement, or a transaction, that was undone — and may run
// statements themselves. The seed's own examples run as written.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { createTriggerExecutor, createTriggerRegistry, type TriggerDefinition } from '../src/triggers/index.js';

async function usersDb(name: string): Promise<ReturnType<typeof DB>> {
  const db = DB(name, { storage: 'memory' });
  await db.exec(
    'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT, role TEXT); CREATE TABLE audit_log(seq INTEGER PRIMARY KEY, table_name TEXT, row_id INT, action TEXT, old_values TEXT, new_values TEXT, changed_at TEXT)',
  );
  return db;
}

// The seed's two triggers, as written there.
const auditTrigger: TriggerDefinition<{ id: number; name: string; email: string }> = {
  name: 'audit_user_changes',
  table: 'users',
  timing: 'after',
  events: ['insert', 'update', 'delete'],
  priority: 100,
  async handler(ctx) {
    const { event, old, new: newRow, db } = ctx;
    await db.run(`INSERT INTO audit_log (table_name, row_id, action, old_values, new_values, changed_at) VALUES (?, ?, ?, ?, ?, ?)`, [
      ctx.table,
      newRow?.id ?? old?.id,
      event.toUpperCase(),
      old ? JSON.stringify(old) : null,
      newRow ? JSON.stringify(newRow) : null,
      new Date().toISOString(),
    ]);
  },
};

const validationTrigger: TriggerDefinition<{ email: string; role: string }> = {
  name: 'validate_user_email',
  table: 'users',
  timing: 'before',
  events: ['insert', 'update'],
  priority: 10,
  handler(ctx) {
    const row = ctx.new!;
    if (row.email && !row.email.match(/^[^\s@]+@[^\s@]+\.[^\s@]+$/)) throw new Error('Invalid email format');
    const validRoles = ['admin', 'user', 'guest'];
    if (row.role && !validRoles.includes(row.role)) throw new Error(`Invalid role: ${row.role}. Must be one of: ${validRoles.join(', ')}`);
    return { ...row, email: row.email?.toLowerCase() };
  },
};

describe('dosql/triggers', () => {
  it("runs seed 000's audit and validation triggers: BEFORE replaces or rejects the row, AFTER writes the audit log after the commit", async () => {
    const db = await usersDb('ptrig-seed');
    try {
      const registry = createTriggerRegistry();
      registry.register(auditTrigger);
      registry.register(validationTrigger);
      const executor = createTriggerExecutor(db, registry);
      const manual = await executor.executeBefore('users', 'insert', undefined, { id: 1, name: 'Alice', email: 'ALICE@EXAMPLE.COM', role: 'user' });
      expect(manual).toEqual({ rejected: false, row: { id: 1, name: 'Alice', email: 'alice@example.com', role: 'user' } });

      await db.run("INSERT INTO users VALUES (1, 'Alice', 'ALICE@EXAMPLE.COM', 'user')");
      expect(await db.query('SELECT * FROM users')).toEqual([{ id: 1, name: 'Alice', email: 'alice@example.com', role: 'user' }]);
      await expect(db.run("INSERT INTO users VALUES (2, 'Bob', 'not an email', 'user')")).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER', message: expect.stringContaining('Invalid email format') });
      // A multi-row statement rejected at its second row keeps nothing of the first.
      await expect(db.run("INSERT INTO users VALUES (3, 'Cy', 'cy@x.io', 'guest'), (4, 'Di', 'di@x.io', 'root')")).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER', message: expect.stringContaining('Invalid role: root') });
      await db.run("UPDATE users SET email = 'A@B.CO' WHERE id = 1");
      await db.run('DELETE FROM users WHERE id = 1');
      expect(await db.query('SELECT count(*) AS n FROM users')).toEqual([{ n: 0 }]);
      const log = await db.query<{ action: string; row_id: number; old_values: string | null; new_values: string | null }>('SELECT action, row_id, old_values, new_values FROM audit_log ORDER BY seq');
      expect(log.map((r) => [r.action, r.row_id, r.old_values && JSON.parse(r.old_values).email, r.new_values && JSON.parse(r.new_values).email])).toEqual([
        ['INSERT', 1, null, 'alice@example.com'],
        ['UPDATE', 1, 'alice@example.com', 'a@b.co'],
        ['DELETE', 1, 'a@b.co', null],
      ]);
      executor.detach();
      await db.run("INSERT INTO users VALUES (5, 'Eve', 'NOT AN EMAIL', 'x')");
      expect(await db.query('SELECT email FROM users WHERE id = 5')).toEqual([{ email: 'NOT AN EMAIL' }]);
    } finally {
      await db.close();
    }
  });

  it("fires in seed 000's execution order: BEFORE by priority, the write, AFTER by priority", async () => {
    const db = DB('ptrig-order', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL, status TEXT, created_at TEXT, customer_id INT)');
      const calls: string[] = [];
      const registry = createTriggerRegistry();
      const triggers: TriggerDefinition[] = [
        { name: 'notifications', table: 'orders', timing: 'after', events: ['insert'], priority: 200, handler: (ctx) => void calls.push(`notify ${String(ctx.new!.customer_id)}`) },
        { name: 'normalization', table: 'orders', timing: 'before', events: ['insert'], priority: 20, handler: (ctx) => (calls.push('normalize'), { ...ctx.new!, status: ctx.new!.status || 'pending', created_at: '2026-01-01' }) },
        { name: 'audit_log', table: 'ORDERS', timing: 'after', events: ['insert', 'update', 'delete'], priority: 100, handler: (ctx) => void calls.push(`audit ${ctx.event} ${String(ctx.new?.status)}`) },
        {
          name: 'validation',
          table: 'orders',
          timing: 'before',
          events: ['insert'],
          priority: 10,
          handler: (ctx) => {
            calls.push('validate');
            if ((ctx.new!.total as number) < 0) throw new Error('Invalid total');
          },
        },
      ];
      triggers.forEach((t) => registry.register(t));
      createTriggerExecutor(db, registry);
      await db.run('INSERT INTO orders(id, total, customer_id) VALUES (1, 10, 7)');
      expect(calls).toEqual(['validate', 'normalize', 'audit insert pending', 'notify 7']);
      expect(await db.query('SELECT status, created_at FROM orders')).toEqual([{ status: 'pending', created_at: '2026-01-01' }]);
      calls.length = 0;
      await expect(db.run('INSERT INTO orders(id, total) VALUES (2, -1)')).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER' });
      expect(calls).toEqual(['validate']);
      expect(() => registry.register({ ...triggers[0]! })).toThrow(/already registered/);
      expect(() => registry.register({ ...triggers[0]!, name: 'x', timing: 'during' as 'after' })).toThrow(/timing/);
    } finally {
      await db.close();
    }
  });

  it('runs AFTER handlers only for committed changes: after COMMIT, never after ROLLBACK or a failed statement', async () => {
    const db = DB('ptrig-commit', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT CHECK (v < 100))');
      const seen: string[] = [];
      const registry = createTriggerRegistry();
      registry.register({ name: 'seen', table: 't', timing: 'after', events: ['insert', 'update', 'delete'], handler: (ctx) => void seen.push(`${ctx.event} ${String(ctx.new?.v ?? ctx.old?.v)}`) });
      registry.register({ name: 'double', table: 't', timing: 'before', events: ['update'], handler: (ctx) => ({ ...ctx.new!, v: (ctx.new!.v as number) * 2 }) });
      registry.register({ name: 'keep7', table: 't', timing: 'before', events: ['delete'], handler: (ctx) => { if (ctx.old!.id === 7) throw new Error('row 7 stays'); } });
      createTriggerExecutor(db, registry);
      await db.run('BEGIN');
      await db.run('INSERT INTO t VALUES (1, 1)');
      expect(seen).toEqual([]); // not committed yet
      await db.run('COMMIT');
      expect(seen).toEqual(['insert 1']);
      await db.run('BEGIN');
      await db.run('INSERT INTO t VALUES (2, 2)');
      await db.run('ROLLBACK');
      await expect(db.run('INSERT INTO t VALUES (3, 3), (4, 400)')).rejects.toMatchObject({ code: 'CONSTRAINT_CHECK' });
      await expect(db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (5, 5)');
        throw new Error('give up');
      })).rejects.toThrow('give up');
      expect(seen).toEqual(['insert 1']);
      await db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (6, 6)');
      });
      await db.run('UPDATE t SET v = 30 WHERE id = 1');
      await expect(db.run('UPDATE t SET v = 60 WHERE id = 1')).rejects.toMatchObject({ code: 'CONSTRAINT_CHECK' }); // 120 after the BEFORE handler
      await db.run('INSERT INTO t VALUES (7, 7)');
      await expect(db.run('DELETE FROM t')).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER', message: expect.stringContaining('row 7 stays') });
      expect(await db.query('SELECT * FROM t ORDER BY id')).toEqual([{ id: 1, v: 60 }, { id: 6, v: 6 }, { id: 7, v: 7 }]);
      expect(seen).toEqual(['insert 1', 'insert 6', 'update 60', 'insert 7']);
      // A BEFORE handler cannot run statements (its statement holds the connection).
      registry.register({ name: 'writer', table: 't', timing: 'before', events: ['insert'], handler: async (ctx) => void (await ctx.db.run('SELECT 1')) });
      await expect(db.run('INSERT INTO t VALUES (8, 8)')).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    } finally {
      await db.close();
    }
  });

  it('fires on a branch with that branch in meta, writing that branch only', async () => {
    const db = DB('ptrig-branch', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE log(msg)');
      await db.branch('side');
      await db.checkout('side');
      const registry = createTriggerRegistry();
      const branches: number[] = [];
      registry.register({
        name: 'log',
        table: 't',
        timing: 'after',
        events: ['insert'],
        handler: async (ctx) => {
          branches.push(ctx.meta.branchId);
          await ctx.db.run('INSERT INTO log VALUES (?)', [`row ${String(ctx.new!.id)}`]);
        },
      });
      createTriggerExecutor(db, registry);
      await db.run('INSERT INTO t VALUES (1, 1)');
      expect(await db.query('SELECT * FROM log')).toEqual([{ msg: 'row 1' }]);
      await db.checkout('main');
      expect(await db.query('SELECT count(*) AS n FROM log')).toEqual([{ n: 0 }]);
      expect(branches).toHaveLength(1);
      expect(branches[0]).not.toBe(0);
    } finally {
      await db.close();
    }
  });

  it("fires from UPSERT's DO UPDATE: BEFORE replaces or rejects the updated row, AFTER sees it once committed", async () => {
    const db = DB('ptrig-upsert', { storage: 'memory' });
    try {
      await db.exec('CREATE TABLE kv(k TEXT PRIMARY KEY, v INT, hits INT DEFAULT 0)');
      const seen: string[] = [];
      const registry = createTriggerRegistry();
      registry.register({ name: 'seen', table: 'kv', timing: 'after', events: ['insert', 'update'], handler: (ctx) => void seen.push(`${ctx.event} ${String(ctx.old?.v)}->${String(ctx.new!.v)} hits ${String(ctx.new!.hits)}`) });
      registry.register({
        name: 'cap',
        table: 'kv',
        timing: 'before',
        events: ['update'],
        handler: (ctx) => {
          if ((ctx.new!.v as number) > 1000) throw new Error('too big');
          return { ...ctx.new!, hits: (ctx.old!.hits as number) + 1 };
        },
      });
      createTriggerExecutor(db, registry);
      const upsert = 'INSERT INTO kv(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v';
      await db.run(upsert, ['a', 1]);
      await db.run(upsert, ['a', 2]);
      await expect(db.run(upsert, ['a', 5000])).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER', message: expect.stringContaining('too big') });
      expect(await db.query('SELECT * FROM kv')).toEqual([{ k: 'a', v: 2, hits: 1 }]);
      expect(seen).toEqual(['insert undefined->1 hits 0', 'update 1->2 hits 1']);
    } finally {
      await db.close();
    }
  });

  it('fires from foreign-key actions: ON DELETE CASCADE deletes and ON DELETE SET NULL updates the child rows', async () => {
    const db = DB('ptrig-fk', { storage: 'memory' });
    try {
      await db.exec(
        'CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE kid(id INTEGER PRIMARY KEY, p INT REFERENCES parent(id) ON DELETE CASCADE); CREATE TABLE pet(id INTEGER PRIMARY KEY, p INT REFERENCES parent(id) ON DELETE SET NULL, note TEXT)',
      );
      await db.exec('INSERT INTO parent VALUES (1), (2), (3); INSERT INTO kid VALUES (10, 1), (11, 1), (12, 2); INSERT INTO pet VALUES (20, 1, NULL), (21, 2, NULL), (22, 3, NULL)');
      const seen: string[] = [];
      const registry = createTriggerRegistry();
      registry.register({ name: 'kids', table: 'kid', timing: 'after', events: ['delete'], handler: (ctx) => void seen.push(`kid delete ${String(ctx.old!.id)}`) });
      registry.register({ name: 'pets', table: 'pet', timing: 'after', events: ['update'], handler: (ctx) => void seen.push(`pet update ${String(ctx.old!.id)} ${String(ctx.old!.p)}->${String(ctx.new!.p)} ${String(ctx.new!.note)}`) });
      registry.register({ name: 'orphan', table: 'pet', timing: 'before', events: ['update'], handler: (ctx) => ({ ...ctx.new!, note: 'orphaned' }) });
      registry.register({ name: 'keep12', table: 'kid', timing: 'before', events: ['delete'], handler: (ctx) => { if (ctx.old!.id === 12) throw new Error('kid 12 stays'); } });
      createTriggerExecutor(db, registry);
      await db.run('DELETE FROM parent WHERE id = 1');
      expect(seen).toEqual(['kid delete 10', 'kid delete 11', 'pet update 20 1->null orphaned']);
      expect(await db.query('SELECT * FROM pet ORDER BY id')).toEqual([{ id: 20, p: null, note: 'orphaned' }, { id: 21, p: 2, note: null }, { id: 22, p: 3, note: null }]);
      // A BEFORE handler rejecting the cascaded delete fails the parent's DELETE and undoes it.
      await expect(db.run('DELETE FROM parent WHERE id = 2')).rejects.toMatchObject({ code: 'CONSTRAINT_TRIGGER', message: expect.stringContaining('kid 12 stays') });
      expect(await db.query('SELECT id FROM parent ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }]);
      expect(seen).toHaveLength(3);
    } finally {
      await db.close();
    }
  });

  it('fires for the base-table writes of DML on a view through its INSTEAD OF triggers, and for writes of SQL trigger bodies', async () => {
    const db = DB('ptrig-view', { storage: 'memory' });
    try {
      await db.exec(
        `CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE hist(id INTEGER PRIMARY KEY, what TEXT);
         CREATE VIEW v AS SELECT id, name FROM item;
         CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO item VALUES (NEW.id, NEW.name); END;
         CREATE TRIGGER v_upd INSTEAD OF UPDATE ON v BEGIN UPDATE item SET name = NEW.name WHERE id = OLD.id; END;
         CREATE TRIGGER v_del INSTEAD OF DELETE ON v BEGIN DELETE FROM item WHERE id = OLD.id; END;
         CREATE TRIGGER item_hist AFTER INSERT ON item BEGIN INSERT INTO hist(what) VALUES ('added ' || NEW.name); END;`,
      );
      const seen: string[] = [];
      const registry = createTriggerRegistry();
      registry.register({ name: 'items', table: 'item', timing: 'after', events: ['insert', 'update', 'delete'], handler: (ctx) => void seen.push(`item ${ctx.event} ${String(ctx.new?.name ?? ctx.old?.name)}`) });
      registry.register({ name: 'upper', table: 'item', timing: 'before', events: ['insert'], handler: (ctx) => ({ ...ctx.new!, name: String(ctx.new!.name).toUpperCase() }) });
      registry.register({ name: 'hists', table: 'hist', timing: 'after', events: ['insert'], handler: (ctx) => void seen.push(`hist ${String(ctx.new!.what)}`) });
      createTriggerExecutor(db, registry);
      await db.run("INSERT INTO v VALUES (1, 'pen')");
      await db.run("UPDATE v SET name = 'ink' WHERE id = 1");
      await db.run('DELETE FROM v WHERE id = 1');
      expect(seen).toEqual(['item insert PEN', 'hist added PEN', 'item update ink', 'item delete ink']);
      expect(await db.query('SELECT what FROM hist')).toEqual([{ what: 'added PEN' }]);
    } finally {
      await db.close();
    }
  });
});
