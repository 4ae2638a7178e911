// Seed 001 ("Advanced DoSQL Features") as written, import paths aside: its programmatic time
// travel session (scope 'local'), seed 000's auditReport session, and the "Branch and Merge"
// section: creating branches (from now, a snapshot and an LSN), switching, schema changes on a
// branch, merging, comparing (compareBranches of dosql/timetravel, given the database where
// the seed passes its history manager) and deleting. The manual conflict resolution flow of
// that section runs in seed-names.test.ts. Expected values come from what the steps wrote, not
// from the code under test.
import { describe, expect, it } from 'vitest';
import { DB, ManualClock, type Database } from '../src/index.js';
import { compareBranches, createTimeTravelSession, timestamp } from '../src/timetravel/index.js';


describe('seed 001 as written', () => {
  it('"Programmatic Time Travel": a session at a timestamp sees every table as of then, scope local', async () => {
    const clock = new ManualClock(Date.parse('2023-12-31T00:00:00Z'));
    const db = DB('analytics', { storage: 'memory', clock });
    await db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL)');
    await db.run("INSERT INTO users VALUES (1, 'Ada')");
    await db.run('INSERT INTO orders VALUES (1, 1, 10.5)');
    clock.set(Date.parse('2024-01-02T00:00:00Z'));
    await db.run("INSERT INTO users VALUES (2, 'Bob')");
    await db.run('INSERT INTO orders VALUES (2, 2, 99)');
    await db.run("UPDATE users SET name = 'Ada L.' WHERE id = 1");

    // Create a time travel session
    const session = await createTimeTravelSession(db, {
      asOf: timestamp('2024-01-01T00:00:00Z'),
      scope: 'local', // 'local' | 'branch' | 'global'
    });

    // All queries in session see data as of that time
    const users = await session.query('SELECT * FROM users');
    const orders = await session.query('SELECT * FROM orders');

    // Close session
    await session.close();

    expect(users).toEqual([{ id: 1, name: 'Ada' }]);
    expect(orders).toEqual([{ id: 1, user_id: 1, total: 10.5 }]);
    for (const scope of ['branch', 'global'] as const) {
      const s = await createTimeTravelSession(db, { asOf: timestamp('2024-01-01T00:00:00Z'), scope });
      expect(await s.query('SELECT * FROM users')).toEqual(users);
      await s.close();
    }
    await db.close();
  });

  it("seed 000's auditReport: one consistent session for several queries", async () => {
    const clock = new ManualClock(Date.parse('2024-03-01T00:00:00Z'));
    const db = DB('audit', { storage: 'memory', clock });
    await db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT, balance INTEGER); CREATE TABLE transactions (id INTEGER PRIMARY KEY, account_id INTEGER, amount INTEGER)');
    await db.run("INSERT INTO accounts VALUES (1, 'ops', 100), (2, 'rnd', 50)");
    await db.run('INSERT INTO transactions VALUES (1, 1, 60), (2, 1, 40), (3, 2, 50)');
    const asOfDate = new Date('2024-03-15T00:00:00Z');
    clock.set(Date.parse('2024-04-01T00:00:00Z'));
    await db.run('UPDATE accounts SET balance = 0 WHERE id = 2');
    await db.run('INSERT INTO transactions VALUES (4, 2, -50)');

    async function auditReport(asOfDate: Date) {
      const session = await createTimeTravelSession(db, {
        asOf: timestamp(asOfDate),
        scope: 'local',
      });

      try {
        // All queries within this session see data as of asOfDate
        const accounts = await session.query('SELECT * FROM accounts');
        const transactions = await session.query('SELECT * FROM transactions');
        const balances = await session.query(`
          SELECT
            a.id,
            a.name,
            a.balance as reported_balance,
            COALESCE(SUM(t.amount), 0) as calculated_balance
          FROM accounts a
          LEFT JOIN transactions t ON t.account_id = a.id
          GROUP BY a.id
        `);

        return { accounts, transactions, balances };
      } finally {
        await session.close();
      }
    }

    const report = await auditReport(asOfDate);
    expect(report.accounts).toEqual([{ id: 1, name: 'ops', balance: 100 }, { id: 2, name: 'rnd', balance: 50 }]);
    expect(report.transactions).toHaveLength(3);
    expect(report.balances).toEqual([
      { id: 1, name: 'ops', reported_balance: 100, calculated_balance: 100 },
      { id: 2, name: 'rnd', reported_balance: 50, calculated_balance: 50 },
    ]);
    await db.close();
  });

  it('"Branch and Merge": create, switch, change the schema on a branch, merge, compare, delete', async () => {
    const db: Database = DB('my-app', { storage: 'memory', retention: 'forever' });
    await db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    const { lsn: first } = await db.run("INSERT INTO users (name) VALUES ('Ada')");
    const snap = await db.createSnapshot('main@5');
    await db.run("INSERT INTO users (name) VALUES ('Bob')");

    // "Creating a Branch"
    await db.branch('feature-x');
    await db.branch('experiment', { from: 'main@5' });
    await db.branch('rollback', { fromLSN: BigInt(first) });
    expect(snap.id).toBe('main@5');

    // "Switching Branches"
    await db.checkout('feature-x');
    const current = await db.currentBranch();
    expect(current).toBe('feature-x');
    const branches = await db.listBranches();
    expect(branches.map((b) => b.name).sort()).toEqual(['experiment', 'feature-x', 'main', 'rollback']);

    // "Making Changes on Branch"
    await db.checkout('feature-x');
    await db.run('ALTER TABLE users ADD COLUMN role TEXT');
    await db.run("INSERT INTO users (name, role) VALUES ('Admin', 'admin')");
    await db.checkout('main');
    const columns = await db.query<{ name: string }>('PRAGMA table_info(users)');
    expect(columns.map((c) => c.name)).toEqual(['id', 'name']); // 'role' column doesn't exist here

    // "Branch Comparison"
    const comparison = await compareBranches(db, 'feature-x', 'main');
    expect({ ...comparison }).toEqual({ source: 'feature-x', target: 'main', sourceAhead: 2, sourceBehind: 0, diverged: false, canFastForward: true });

    // "Merging Branches"
    await db.checkout('main');
    const result = await db.merge('feature-x', {
      strategy: 'auto', // 'auto' | 'ours' | 'theirs' | 'manual'
    });
    expect(result.conflicts).toEqual([]);
    expect(await db.query('SELECT id, name, role FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'Ada', role: null },
      { id: 2, name: 'Bob', role: null },
      { id: 3, name: 'Admin', role: 'admin' },
    ]);

    // The other branches saw what their points saw.
    await db.checkout('experiment');
    expect(await db.query('SELECT name FROM users')).toEqual([{ name: 'Ada' }]);
    await db.checkout('rollback');
    expect(await db.query('SELECT name FROM users')).toEqual([{ name: 'Ada' }]);
    await db.run("INSERT INTO users (name) VALUES ('Cy')");
    await db.checkout('main');
    const behind = await compareBranches(db, 'rollback', 'main');
    expect([behind.sourceAhead, behind.sourceBehind > 0, behind.diverged, behind.canFastForward]).toEqual([1, true, true, false]);

    // "Deleting Branches"
    await db.deleteBranch('feature-x');
    await db.deleteBranch('rollback', { force: true });
    expect((await db.listBranches()).map((b) => b.name).sort()).toEqual(['experiment', 'main']);
    await db.close();
  });
});
