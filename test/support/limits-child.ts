// Child process of test/sql-limits.test.ts: runs one scenario that, without the limits, never
// returns (a loop that never yields, so no timer can fire) or exhausts the heap. Prints one
// JSON line: { outcomes: [...] }, each outcome { ok, value } or { error: { name, code, reason } }.
import { DB, type Database } from '../../src/index.js';

const NEVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x < 0';

type Outcome = { ok: true; value: unknown } | { error: { name: string; code?: string; reason?: unknown } };

async function outcome(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await f();
    return { ok: true, value: JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) };
  } catch (e) {
    const err = e as { name: string; code?: string; details?: { reason?: unknown } };
    return { error: { name: err.name, code: err.code, reason: err.details?.reason } };
  }
}

const scenarios: Record<string, () => Promise<Outcome[]>> = {
  /** Every statement entry point with a timeout, on a query that runs forever. */
  async entryPoints() {
    const db = DB('child', { storage: 'memory' });
    await db.exec('CREATE TABLE t(x INTEGER)');
    const o = { timeoutMs: 150 };
    const out = [
      await outcome(() => db.query(NEVER, [], o)),
      await outcome(() => db.run(`INSERT INTO t ${NEVER}`, [], o)),
      // One deadline for the whole script: long enough for its first statement on a busy machine.
      await outcome(() => db.exec(`INSERT INTO t VALUES (1); INSERT INTO t ${NEVER}`, undefined, { timeoutMs: 1500 })),
      await outcome(() => db.prepare(NEVER, o).all()),
      await outcome(() => db.prepare(NEVER).withOptions(o).get()),
      await outcome(() => db.prepare(`INSERT INTO t ${NEVER}`, o).run()),
      await outcome(async () => {
        for await (const r of db.prepare(NEVER, o).iterate()) return r;
        return null;
      }),
      await outcome(() => db.transaction((tx) => tx.query(NEVER), o)),
      await outcome(() => db.transaction((tx) => tx.query(NEVER, [], o))),
      // The interrupted statements' writes were undone; the exec's first statement committed.
      await outcome(() => db.query('SELECT count(*) AS n FROM t')),
    ];
    await db.close();
    return out;
  },

  /** An AbortSignal fired from a timer while the statement runs; one aborted before it starts. */
  async abort() {
    const db = DB('child', { storage: 'memory' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user cancelled')), 100);
    const running = await outcome(() => db.query(NEVER, [], { signal: ac.signal }));
    const already = await outcome(() => db.query('SELECT 1 AS one', [], { signal: ac.signal }));
    await db.close();
    return [running, already];
  },

  /** The database's default timeout (DB({ timeoutMs })) applies when a call gives none. */
  async dbDefault() {
    const db = DB('child', { storage: 'memory', timeoutMs: 150 });
    const out = [await outcome(() => db.query(NEVER)), await outcome(() => db.query('SELECT 2 AS two'))];
    await db.close();
    return out;
  },

  /**
   * count(*) over a 3-way cross join of 3,000 rows (2.7e10 combinations) in a small heap: it
   * must stream (no product in memory) and stop at its timeout.
   */
  async crossJoin() {
    const db: Database = DB('child', { storage: 'memory' });
    await db.exec('CREATE TABLE t(x INTEGER PRIMARY KEY, s TEXT)');
    await db.run('INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x, printf(\'row %d\', x) FROM c');
    const out = [await outcome(() => db.query('SELECT count(*) AS n FROM t a, t b, t c', [], { timeoutMs: 3000 })), await outcome(() => db.query('SELECT count(*) AS n FROM t'))];
    await db.close();
    return out;
  },

  /** An endless recursive CTE with UNION keeps every row it has seen: its budget stops it. */
  async unionForever() {
    const db = DB('child', { storage: 'memory', limits: { maxMemoryBytes: 8 * 1024 * 1024 } });
    const out = [await outcome(() => db.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c) SELECT count(*) AS n FROM c'))];
    await db.close();
    return out.map((o) => ('error' in o ? { error: { ...o.error, reason: undefined } } : o));
  },

  /** The issue's `length(hex(zeroblob(1e8)))`: built without a rope per byte; twice that is over the default limit. */
  async hugeHex() {
    const db = DB('child', { storage: 'memory' });
    const out = [await outcome(() => db.query('SELECT length(hex(zeroblob(1e8))) AS n')), await outcome(() => db.query('SELECT length(hex(zeroblob(2e8))) AS n'))];
    await db.close();
    return out;
  },
};

const name = process.argv[2]!;
const run = scenarios[name];
if (!run) throw new Error(`unknown scenario ${name}`);
process.stdout.write(`${JSON.stringify({ outcomes: await run() })}\n`);
process.exit(0);
