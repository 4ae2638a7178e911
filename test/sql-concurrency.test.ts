// Snapshot isolation under concurrency: many transactions move money between accounts at
// once, retrying on WRITE_CONFLICT. The total never changes, no transfer is lost or
// applied twice, and every snapshot read inside a transaction sees a consistent total.
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

describe('SQL transactions under concurrency', () => {
  it('keeps the total invariant and loses no update (first committer wins, retries)', async () => {
    const db = DB('bank', { storage: 'memory' });
    const accounts = 8;
    const initial = 1000;
    await db.exec('CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, ops INTEGER NOT NULL DEFAULT 0)');
    for (let i = 0; i < accounts; i++) await db.run('INSERT INTO account(id, balance) VALUES (?, ?)', [i, initial]);
    const rng = new Prng(42);
    let committed = 0;
    let conflicts = 0;
    let inconsistentReads = 0;
    const worker = async (w: number): Promise<void> => {
      for (let k = 0; k < 40; k++) {
        const from = rng.int(accounts);
        const to = (from + 1 + rng.int(accounts - 1)) % accounts;
        const amount = 1 + rng.int(50);
        for (;;) {
          try {
            await db.transaction(async (tx) => {
              const total = await tx.queryOne<{ s: number }>('SELECT sum(balance) AS s FROM account');
              if (total?.s !== accounts * initial) inconsistentReads++;
              const a = await tx.queryOne<{ balance: number }>('SELECT balance FROM account WHERE id = ?', [from]);
              // Yield so other transactions interleave between the read and the write.
              await new Promise((r) => setTimeout(r, (w + k) % 3));
              await tx.run('UPDATE account SET balance = ?, ops = ops + 1 WHERE id = ?', [a!.balance - amount, from]);
              await tx.run('UPDATE account SET balance = balance + ?, ops = ops + 1 WHERE id = ?', [amount, to]);
            });
            committed++;
            break;
          } catch (e) {
            if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT') {
              expect(e.retryable).toBe(true);
              conflicts++;
              continue;
            }
            throw e;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    const rows = await db.query<{ balance: number; ops: number }>('SELECT balance, ops FROM account');
    expect(rows.reduce((s, r) => s + r.balance, 0)).toBe(accounts * initial);
    expect(rows.reduce((s, r) => s + r.ops, 0)).toBe(2 * committed);
    expect(committed).toBe(8 * 40);
    expect(inconsistentReads).toBe(0);
    // With interleaving, conflicts must actually have happened, or the test proves nothing.
    expect(conflicts).toBeGreaterThan(0);
    await db.close();
  });

  it('rolls back a throwing transaction and a failed statement only undoes itself', async () => {
    const db = DB('tx', { storage: 'memory' });
    await db.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE)');
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO t VALUES (1, 'x')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query('SELECT * FROM t')).toEqual([]);
    await db.exec('BEGIN');
    await db.run("INSERT INTO t VALUES (1, 'x')");
    await expect(db.run("INSERT INTO t VALUES (2, 'y'), (3, 'x')")).rejects.toMatchObject({ code: 'CONSTRAINT_UNIQUE' });
    await db.exec('COMMIT');
    expect(await db.query('SELECT a, b FROM t ORDER BY a')).toEqual([{ a: 1, b: 'x' }]);
    await db.close();
  });
});
