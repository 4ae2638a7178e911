// Progress callbacks (issue 22): db.compact({ onProgress }) and DB(path, { onProgress }) hear
// typed events from hot and cold compactions and from imports (src/util/progress.ts); the
// done counters only grow and end at the totals, which are checked against what the engine
// and the file say independently (SSTable counts and sizes from engine.stats(), the CSV's row
// count and size). A throwing callback is logged and ignored: the operation completes and
// the data equals a model.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DB, type Database, type LogRecord } from '../src/index.js';
import { importInto } from '../src/cli/import-run.js';
import { openCsv } from '../src/cli/import-source.js';
import type { CompactProgress, ImportProgress, ProgressEvent } from '../src/util/progress.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tmp(): string {
  const r = mkdtempSync(join(tmpdir(), 'dosql-progress-'));
  roots.push(r);
  return r;
}

/** Many small L0 files: tiny memtable, no background compaction. */
function open(root: string, extra: Record<string, unknown> = {}): Database {
  return DB('p', { path: join(root, 'p'), memtableBytes: 4 * 1024, workerThreads: false, compaction: { background: false, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 }, ...extra });
}

async function fill(db: Database, tables: string[], rows: number): Promise<void> {
  for (const t of tables) await db.exec(`CREATE TABLE ${t}(id INTEGER PRIMARY KEY, v TEXT)`);
  for (let i = 0; i < rows; i += 50) {
    for (const t of tables) await db.run(`INSERT INTO ${t} SELECT value, 'row-' || value || '-${'x'.repeat(40)}' FROM generate_series(${i}, ${i + 49})`);
  }
  await (await db.engine()).flush();
}

/** SSTables and their bytes in the version, from the engine's own statistics. */
async function files(db: Database): Promise<{ files: number; bytes: number }> {
  const s = (await db.engine()).stats();
  return { files: s.levels.reduce((n, l) => n + l.files, 0), bytes: s.levels.reduce((n, l) => n + l.bytes, 0) };
}

function expectMonotonic<T extends ProgressEvent>(events: T[], keys: (keyof T)[]): void {
  for (let i = 1; i < events.length; i++) for (const k of keys) expect(events[i]![k] as number, `${String(k)} at event ${i}`).toBeGreaterThanOrEqual(events[i - 1]![k] as number);
  for (const e of events) for (const k of keys) expect(e[k] as number).toBeGreaterThanOrEqual(0);
}

describe('compaction progress', () => {
  it('a full hot compaction reports its input files and bytes, growing to the totals engine.stats() counted', async () => {
    const db = open(tmp());
    try {
      await fill(db, ['a'], 600);
      const before = await files(db);
      expect(before.files).toBeGreaterThan(3);
      const events: CompactProgress[] = [];
      await db.compact({ full: true, onProgress: (e) => events.push(e as CompactProgress) });
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(events.every((e) => e.operation === 'compact' && e.tier === 'hot' && e.phase === 'compact')).toBe(true);
      expectMonotonic(events, ['filesDone', 'filesTotal', 'bytesDone', 'bytesTotal']);
      expect(events[0]).toMatchObject({ filesDone: 0, bytesDone: 0 });
      const last = events.at(-1)!;
      expect(last).toMatchObject({ filesDone: before.files, filesTotal: before.files, bytesDone: before.bytes, bytesTotal: before.bytes });
      expect((await files(db)).files).toBeLessThan(before.files);
      expect(await db.query('SELECT count(*) AS n FROM a')).toEqual([{ n: 600 }]);
    } finally {
      await db.close();
    }
  });

  it('a cold compaction reports the merge then each table published; DB() onProgress hears the same events', async () => {
    const fromDb: ProgressEvent[] = [];
    const db = open(tmp(), { onProgress: (e: ProgressEvent) => fromDb.push(e) });
    try {
      await fill(db, ['a', 'b', 'c'], 300);
      const before = await files(db);
      const events: CompactProgress[] = [];
      const { published } = await db.compact({ tier: 'cold', onProgress: (e) => events.push(e as CompactProgress) });
      expect(published.map((p) => p.table).sort()).toEqual(['a', 'b', 'c']);
      expect(fromDb).toEqual(events);
      expect(events.every((e) => e.operation === 'compact' && e.tier === 'cold')).toBe(true);
      const merge = events.filter((e) => e.phase === 'compact');
      const publish = events.filter((e) => e.phase === 'publish');
      // Phases in order: every merge event before every publish event.
      expect(events.findIndex((e) => e.phase === 'publish')).toBe(merge.length);
      expectMonotonic(events, ['filesDone', 'filesTotal', 'bytesDone', 'bytesTotal', 'tablesDone', 'tablesTotal']);
      expect(merge.at(-1)).toMatchObject({ filesDone: before.files, filesTotal: before.files, bytesDone: before.bytes, bytesTotal: before.bytes });
      expect(publish.map((e) => e.tablesDone)).toEqual([0, 1, 2, 3]);
      expect(publish.every((e) => e.tablesTotal === 3)).toBe(true);
      expect(await db.query('SELECT count(*) AS n FROM b')).toEqual([{ n: 300 }]);
    } finally {
      await db.close();
    }
  });

  it('nothing to compact: one event, 0 of 0', async () => {
    const db = DB('e', { storage: 'memory' });
    try {
      const events: ProgressEvent[] = [];
      await db.compact({ onProgress: (e) => events.push(e) });
      expect(events).toEqual([{ operation: 'compact', tier: 'hot', phase: 'compact', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, tablesDone: 0, tablesTotal: 0 }]);
    } finally {
      await db.close();
    }
  });

  it('a throwing callback is logged at warn and ignored: the compaction completes and every row is there', async () => {
    const logs: LogRecord[] = [];
    const db = open(tmp(), { log: { level: 'warn', sink: (r: LogRecord) => logs.push(r) }, onProgress: () => { throw new Error('db-level boom'); } });
    try {
      await fill(db, ['a'], 400);
      const model = await db.query('SELECT * FROM a ORDER BY id');
      let calls = 0;
      await db.compact({ full: true, onProgress: () => { calls++; throw new Error('boom'); } });
      expect(calls).toBeGreaterThanOrEqual(2);
      expect((await files(db)).files).toBe(1);
      await db.compact({ tier: 'cold', onProgress: () => { throw new Error('boom'); } });
      expect(await db.query('SELECT * FROM a ORDER BY id')).toEqual(model);
      const errors = logs.filter((r) => r.event === 'progress-callback-error');
      expect(errors.length).toBeGreaterThanOrEqual(2 * calls);
      expect(errors.map((r) => r.message)).toEqual(expect.arrayContaining(['boom', 'db-level boom']));
    } finally {
      await db.close();
    }
  });

  it('onProgress must be a function: DB() and compact() throw INVALID_ARGUMENT; a near miss is named', async () => {
    expect(() => DB('x', { storage: 'memory', onProgress: 5 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('option onProgress must be a function') }));
    expect(() => DB('x', { storage: 'memory', onprogress: () => {} } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('did you mean onProgress') }));
    const db = DB('x', { storage: 'memory' });
    try {
      await expect(db.compact({ onProgress: 'yes' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await db.close();
    }
  });
});

describe('import progress', () => {
  function csv(root: string, rows: number): string {
    const file = join(root, 'people.csv');
    const lines = ['id,name,score'];
    for (let i = 0; i < rows; i++) lines.push(`${i},"person ${i}, the ${i % 7}th",${(i * 1.5).toFixed(1)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  it('rows and bytes grow batch by batch and end at the file row count and size; DB() onProgress hears them too', async () => {
    const root = tmp();
    const file = csv(root, 2_345);
    const fromDb: ProgressEvent[] = [];
    const db = open(root, { onProgress: (e: ProgressEvent) => fromDb.push(e) });
    try {
      await db.exec('CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
      const source = await openCsv(file, { header: true });
      const events: ImportProgress[] = [];
      const n = await importInto(db, 'people', ['id', 'name', 'score'], source, { batch: 200, onProgress: (e) => events.push(e as ImportProgress) });
      expect(n).toBe(2_345);
      expect(fromDb).toEqual(events);
      expectMonotonic(events, ['rowsDone', 'bytesDone']);
      expect(events.map((e) => e.rowsDone)).toEqual([...Array.from({ length: 11 }, (_, i) => (i + 1) * 200), 2_345]);
      expect(events.every((e) => e.operation === 'import' && e.table === 'people' && e.rowsTotal === undefined && e.bytesTotal === statSync(file).size)).toBe(true);
      expect(events.at(-1)).toMatchObject({ phase: 'done', rowsDone: 2_345, bytesDone: statSync(file).size });
      expect(events.slice(0, -1).every((e) => e.phase === 'import')).toBe(true);
      expect(await db.query('SELECT count(*) AS n, sum(score) AS s FROM people')).toEqual([{ n: 2_345, s: Array.from({ length: 2_345 }, (_, i) => Number((i * 1.5).toFixed(1))).reduce((a, b) => a + b, 0) }]);
    } finally {
      await db.close();
    }
  });

  it('a throwing callback does not stop the import: every row is committed', async () => {
    const root = tmp();
    const file = csv(root, 1_000);
    const db = open(root, { onProgress: () => { throw new Error('db-level boom'); } });
    try {
      await db.exec('CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
      let calls = 0;
      const n = await importInto(db, 'people', ['id', 'name', 'score'], await openCsv(file, { header: true }), { batch: 100, onProgress: () => { calls++; throw new Error('boom'); } });
      expect(n).toBe(1_000);
      expect(calls).toBe(11);
      expect(await db.query("SELECT name FROM people WHERE id = 999")).toEqual([{ name: 'person 999, the 5th' }]);
      expect(await db.query('SELECT count(*) AS n FROM people')).toEqual([{ n: 1_000 }]);
    } finally {
      await db.close();
    }
  });
});
