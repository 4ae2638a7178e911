// Structured logging (src/util/log.ts, docs/operations.md): silent by default; at a level, the
// events an operator needs — open and recovery, flush, compaction, fencing, slow and failed
// statements — as JSON records with numeric fields; a bad level is INVALID_ARGUMENT naming it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DB } from '../src/node/db.js';
import { DoSQLError } from '../src/errors.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { createLogger, type LogRecord } from '../src/util/log.js';

function memorySink(): { records: LogRecord[]; sink: (r: LogRecord) => void; named: (event: string) => LogRecord[] } {
  const records: LogRecord[] = [];
  return { records, sink: (r) => void records.push(r), named: (event) => records.filter((r) => r.event === event) };
}

/** Creates a table, writes enough to flush several memtables, compacts, and runs a failing statement. */
async function workload(db: ReturnType<typeof DB>): Promise<void> {
  await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 0; i < 120; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(100)]);
  expect((await db.query('SELECT count(*) AS n FROM t'))[0]!.n).toBe(120);
  await db.compact({ full: true });
  await expect(db.query('SELECT * FROM no_such_table')).rejects.toThrow(DoSQLError);
}

function expectNumbers(r: LogRecord, fields: string[]): void {
  for (const f of fields) expect(typeof r[f], `${r.event}.${f}`).toBe('number');
}

let savedEnv: string | undefined;
beforeEach(() => {
  savedEnv = process.env.DOSQL_LOG_LEVEL;
  delete process.env.DOSQL_LOG_LEVEL;
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.DOSQL_LOG_LEVEL;
  else process.env.DOSQL_LOG_LEVEL = savedEnv;
  vi.restoreAllMocks();
});

describe('logging: events at debug', () => {
  it('a workload logs open, flush, compaction and statement errors with numeric fields', async () => {
    const m = memorySink();
    const store = new MemoryObjectStore();
    const db = DB('logged', { store, memtableBytes: 2048, workerThreads: false, log: { level: 'debug', sink: m.sink } });
    await workload(db);
    await db.close();

    for (const r of m.records) {
      expect(['error', 'warn', 'info', 'debug']).toContain(r.level);
      expect(Number.isNaN(Date.parse(r.ts))).toBe(false);
      // A record is one JSON line.
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    }
    const [open] = m.named('open');
    expect(open).toBeDefined();
    expect(open!.level).toBe('info');
    expectNumbers(open!, ['epoch', 'walSegments', 'commitsReplayed', 'lastLsn', 'ms']);

    const flushes = m.named('flush');
    expect(flushes.length).toBeGreaterThan(0);
    for (const f of flushes) expectNumbers(f, ['filesIn', 'filesOut', 'bytesOut', 'ms']);
    expect(flushes.some((f) => (f.bytesOut as number) > 0 && (f.filesOut as number) > 0)).toBe(true);
    expect(m.named('flush-start').length).toBeGreaterThanOrEqual(flushes.length);
    expect(m.named('flush-start').every((r) => r.level === 'debug')).toBe(true);

    const compactions = m.named('compaction');
    expect(compactions.length).toBeGreaterThan(0);
    for (const c of compactions) expectNumbers(c, ['filesIn', 'filesOut', 'bytesIn', 'bytesOut', 'droppedVersions', 'ms']);
    expect(compactions.some((c) => (c.filesIn as number) > 0 && (c.bytesIn as number) > 0)).toBe(true);
    expect(m.named('compaction-start').length).toBeGreaterThan(0);

    const errors = m.named('statement-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.level).toBe('warn');
    expect(errors[0]!.sql).toBe('SELECT * FROM no_such_table');
    expect(typeof errors[0]!.code).toBe('string');
    expectNumbers(errors[0]!, ['ms']);

    // Reopened: recovery reports the LSN the first handle reached.
    const m2 = memorySink();
    const again = DB('logged', { store, workerThreads: false, log: { level: 'info', sink: m2.sink } });
    expect((await again.query('SELECT count(*) AS n FROM t'))[0]!.n).toBe(120);
    const stats = (await again.engine()).stats();
    await again.close();
    const [reopen] = m2.named('open');
    expect(reopen!.lastLsn).toBe(stats.lastLsn);
    expect(reopen!.epoch).toBe((open!.epoch as number) + 1);
    // At info, nothing at debug.
    expect(m2.records.filter((r) => r.level === 'debug')).toEqual([]);
  });

  it('a second writer logs the WAL it recovered; the fenced one logs fenced at warn with its epoch', async () => {
    const store = new MemoryObjectStore();
    const m = memorySink();
    const a = DB('fence', { store, workerThreads: false, log: { level: 'warn', sink: m.sink } });
    await a.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await a.run('INSERT INTO t VALUES (7)');
    const aLsn = (await a.engine()).stats().lastLsn;
    const mb = memorySink();
    const b = DB('fence', { store, workerThreads: false, log: { level: 'info', sink: mb.sink } });
    await b.open();
    // a never flushed or closed: b's open replays a's commits from the WAL, as after a crash.
    const [open] = mb.named('open');
    expect(open!.commitsReplayed as number).toBeGreaterThanOrEqual(2);
    expect(open!.walSegments as number).toBeGreaterThanOrEqual(1);
    expect(open!.lastLsn).toBe(aLsn);
    expect((await b.query('SELECT id FROM t')).map((r) => r.id)).toEqual([7]);
    await expect(a.run('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: 'FENCED' });
    const fenced = m.named('fenced');
    expect(fenced).toHaveLength(1);
    expect(fenced[0]!.level).toBe('warn');
    expect(fenced[0]!.code).toBe('FENCED');
    expect(fenced[0]!.epoch).toBe((await a.engine()).epoch);
    // The failed statement is logged too; no info records at warn.
    expect(m.named('statement-error').map((r) => r.code)).toContain('FENCED');
    expect(m.records.every((r) => r.level === 'warn' || r.level === 'error')).toBe(true);
    await a.close();
    await b.close();
  });

  it('slowQueryMs logs statements at or over the threshold, and only those', async () => {
    // A clock that moves 1000 ms per reading makes every statement "take" >= 1000 ms
    // deterministically (no real timing in the assertion).
    let t = Date.parse('2026-01-01T00:00:00Z');
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 1000));
    const slow = memorySink();
    const fast = memorySink();
    const a = DB('slow', { storage: 'memory', slowQueryMs: 500, log: { level: 'warn', sink: slow.sink } });
    const b = DB('slow', { storage: 'memory', slowQueryMs: 1e12, log: { level: 'warn', sink: fast.sink } });
    const c = DB('slow', { storage: 'memory', log: { level: 'warn', sink: fast.sink } });
    for (const db of [a, b, c]) {
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await db.run('INSERT INTO t VALUES (1), (2)');
      await db.query('SELECT * FROM t');
    }
    const logged = slow.named('slow-statement');
    expect(logged.map((r) => r.sql)).toEqual(['CREATE TABLE t (id INTEGER PRIMARY KEY)', 'INSERT INTO t VALUES (1), (2)', 'SELECT * FROM t']);
    expect(logged.map((r) => r.kind).slice(1)).toEqual(['insert', 'select']);
    for (const r of logged) {
      expect(r.level).toBe('warn');
      expectNumbers(r, ['ms', 'thresholdMs', 'rows']);
      expect(r.ms as number).toBeGreaterThanOrEqual(500);
    }
    expect(logged[2]!.rows).toBe(2);
    expect(fast.named('slow-statement')).toEqual([]);
    for (const db of [a, b, c]) await db.close();
  });
});

describe('logging: silent by default', () => {
  it('with no level set, a workload writes nothing to stdout, stderr or the console', async () => {
    const spies = [
      vi.spyOn(process.stdout, 'write'),
      vi.spyOn(process.stderr, 'write'),
      ...(['log', 'error', 'warn', 'info', 'debug'] as const).map((k) => vi.spyOn(console, k)),
    ];
    const db = DB('quiet', { store: new MemoryObjectStore(), memtableBytes: 2048, workerThreads: false, slowQueryMs: 1e-6 });
    await workload(db);
    await db.close();
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  it('DOSQL_LOG_LEVEL turns it on in Node: JSON lines on stderr, none on stdout', async () => {
    process.env.DOSQL_LOG_LEVEL = 'INFO';
    const out = vi.spyOn(process.stdout, 'write');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const db = DB('envlog', { storage: 'memory' });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await expect(db.query('SELECT nope FROM t')).rejects.toThrow(DoSQLError);
    await db.close();
    vi.restoreAllMocks();
    expect(out).not.toHaveBeenCalled();
    const records = lines.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      return JSON.parse(l) as LogRecord;
    });
    expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['open', 'statement-error']));
    expect(records.filter((r) => r.level === 'debug')).toEqual([]);
  });

  it("log.level 'off' wins over DOSQL_LOG_LEVEL", async () => {
    process.env.DOSQL_LOG_LEVEL = 'debug';
    const m = memorySink();
    const db = DB('off', { storage: 'memory', log: { level: 'off', sink: m.sink } });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await expect(db.query('SELECT nope FROM t')).rejects.toThrow(DoSQLError);
    await db.close();
    expect(m.records).toEqual([]);
  });
});

describe('logging: invalid settings', () => {
  const codeOf = (f: () => unknown): DoSQLError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DoSQLError);
      return e as DoSQLError;
    }
    throw new Error('expected a throw');
  };

  it('an invalid level, sink or threshold is INVALID_ARGUMENT naming the option', () => {
    for (const [options, name] of [
      [{ log: { level: 'verbose' } }, 'log.level'],
      [{ log: { level: 3 } }, 'log.level'],
      [{ log: { sink: 'stderr' } }, 'log.sink'],
      [{ log: { levle: 'info' } }, 'log.levle'],
      [{ log: 'debug' }, 'log'],
      [{ slowQueryMs: -1 }, 'slowQueryMs'],
      [{ slowQueryMs: '100' }, 'slowQueryMs'],
    ] as const) {
      const e = codeOf(() => DB('bad', { storage: 'memory', ...(options as object) }));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain(`option ${name}`);
    }
  });

  it('an invalid DOSQL_LOG_LEVEL is INVALID_ARGUMENT naming the setting', () => {
    process.env.DOSQL_LOG_LEVEL = 'loud';
    const e = codeOf(() => DB('bad', { storage: 'memory' }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('DOSQL_LOG_LEVEL');
    expect(e.message).toContain('"loud"');
  });
});

describe('createLogger', () => {
  it('writes records at its level and more severe, never throws from a sink', () => {
    const m = memorySink();
    const log = createLogger('warn', m.sink, () => 0);
    log.debug('d');
    log.info('i');
    log.warn('w', { n: 1, skipped: undefined, event: 'spoofed' });
    log.error('e');
    expect(m.records).toEqual([
      { ts: '1970-01-01T00:00:00.000Z', level: 'warn', event: 'w', n: 1 },
      { ts: '1970-01-01T00:00:00.000Z', level: 'error', event: 'e' },
    ]);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
    const throwing = createLogger('debug', () => {
      throw new Error('sink down');
    });
    expect(() => throwing.error('x')).not.toThrow();
  });
});
