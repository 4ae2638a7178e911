// Point reads on a cold run decode only the data pages that hold the row (src/cold/cold-group.ts):
// a table of one row group with several pages per column, moved to the cold tier, answers
// point lookups, index lookups, short range scans across page boundaries and whole-table
// scans exactly as SQLite does; the first lookup after a reopen decodes one page of each
// value column, not the group; a byte flipped in a column chunk is still CORRUPTION.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, type Database } from '../src/index.js';
import { coldDecodeStats } from '../src/cold/cold-group.js';
import { Prng } from '../src/util/prng.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** More rows than two data pages of the writer (about 20,000 rows a page), fewer than a row group. */
const ROWS = 45_000;
const SCHEMA = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BLOB)';

function row(r: Prng, id: number): unknown[] {
  // Now and then a value of another storage class than the column's (its shadow column).
  const a = r.int(10) === 0 ? null : r.int(50) === 0 ? `x${r.int(9)}` : r.int(1000) - 500;
  const b = r.int(10) === 0 ? null : `s${r.int(3000)}`;
  const c = r.int(7) === 0 ? null : r.int(100000) / 8;
  const d = r.int(5) === 0 ? null : Buffer.from([r.int(256), r.int(256), id & 0xff]);
  return [id, a, b, c, d];
}

const norm = (rows: unknown[]): unknown =>
  rows.map((x) => Object.values(x as object).map((v) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));

async function build(dir: string, lite: Sqlite.Database): Promise<void> {
  const db = DB('pages', { path: dir });
  await db.exec(SCHEMA);
  lite.exec(SCHEMA);
  await db.exec('CREATE INDEX t_a ON t(a)');
  lite.exec('CREATE INDEX t_a ON t(a)');
  const r = new Prng(17);
  const ins = lite.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
  // Every third id is missing: lookups of absent keys land between rows.
  const ids: number[] = [];
  for (let id = 1; ids.length < ROWS; id++) if (id % 3 !== 0) ids.push(id);
  for (let i = 0; i < ids.length; i += 2000) {
    const rows = ids.slice(i, i + 2000).map((id) => row(r, id));
    await db.transaction(async (tx) => {
      for (const x of rows) await tx.run('INSERT INTO t VALUES (?, ?, ?, ?, ?)', x as never);
    });
    for (const x of rows) ins.run(...(x as never[]));
  }
  await db.compact({ tier: 'cold' });
  await db.close();
}

describe('cold point reads decode pages, not row groups', () => {
  it('answers like SQLite and decodes one page per value column for a first lookup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dosql-cold-pages-'));
    dirs.push(dir);
    const lite = new Sqlite(':memory:');
    await build(dir, lite);
    const before = { ...coldDecodeStats };
    const db: Database = DB('pages', { path: dir });
    expect((await db.engine()).stats().cold.rows).toBe(ROWS);
    const maxId = (lite.prepare('SELECT max(id) AS m FROM t').get() as { m: number }).m;

    // First lookups, one in each third of the group: its key columns, then pages of each value column.
    const point = lite.prepare('SELECT * FROM t WHERE id = ?');
    for (const id of [1000, Math.floor(maxId / 2) + 1, maxId - 1000]) {
      expect(norm(await db.query('SELECT * FROM t WHERE id = ?', [id]))).toEqual(norm(point.all(id)));
    }
    expect(coldDecodeStats.wholeColumns - before.wholeColumns).toBe(0);
    const pages = coldDecodeStats.pages - before.pages;
    expect(pages).toBeGreaterThan(0);
    // Each page decoded holds fewer rows than the group (which holds every row of the table).
    expect((coldDecodeStats.pageRows - before.pageRows) / pages).toBeLessThan(ROWS / 2);
    // Text and real pages are typed straight from the page (columnar/page-decoder.ts); the
    // column with off-type values (a shadow column) and the blob column go through hyparquet.
    const fast = coldDecodeStats.fastPages - before.fastPages;
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(pages);

    const r = new Prng(3);
    for (let k = 0; k < 400; k++) {
      const id = 1 + r.int(maxId + 2);
      expect(norm(await db.query('SELECT * FROM t WHERE id = ?', [id]))).toEqual(norm(point.all(id)));
    }
    const byA = lite.prepare('SELECT id, b, d FROM t WHERE a = ? ORDER BY id');
    for (let k = 0; k < 30; k++) {
      const a = r.int(1000) - 500;
      expect(norm(await db.query('SELECT id, b, d FROM t WHERE a = ? ORDER BY id', [a]))).toEqual(norm(byA.all(a)));
    }
    // Short scans from a seek, across page boundaries (pages start every ~20,000 rows).
    const range = lite.prepare('SELECT * FROM t WHERE id BETWEEN ? AND ? ORDER BY id');
    const rangeDesc = lite.prepare('SELECT * FROM t WHERE id BETWEEN ? AND ? ORDER BY id DESC');
    for (const mid of [29_990, 30_000, 30_720, 59_990, 61_440, 1, maxId]) {
      for (const w of [5, 60]) {
        expect(norm(await db.query('SELECT * FROM t WHERE id BETWEEN ? AND ? ORDER BY id', [mid - w, mid + w]))).toEqual(norm(range.all(mid - w, mid + w)));
        expect(norm(await db.query('SELECT * FROM t WHERE id BETWEEN ? AND ? ORDER BY id DESC', [mid - w, mid + w]))).toEqual(norm(rangeDesc.all(mid - w, mid + w)));
      }
    }
    // A whole scan after the lookups (partly decoded pages, then the whole group).
    const all = 'SELECT id, a, b, c, hex(d) FROM t ORDER BY id';
    expect(norm(await db.query(all))).toEqual(norm(lite.prepare(all).all()));
    await db.close();
  }, 240_000);

  it('still reports CORRUPTION for a flipped byte in a page a point read decodes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dosql-cold-pages-'));
    dirs.push(dir);
    const lite = new Sqlite(':memory:');
    await build(dir, lite);
    const runs = join(dir, 'cold', 'runs');
    const [name] = readdirSync(runs).filter((f) => f.endsWith('.parquet'));
    const path = join(runs, name!);
    const bytes = readFileSync(path);
    // A byte in the middle of the file: inside a value column's chunk.
    bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
    writeFileSync(path, bytes);
    const db: Database = DB('pages', { path: dir });
    const maxId = (lite.prepare('SELECT max(id) AS m FROM t').get() as { m: number }).m;
    let failed: unknown;
    for (let id = 1; id <= maxId && !failed; id += 997) {
      await db.query('SELECT * FROM t WHERE id = ?', [id]).catch((e: unknown) => (failed = e));
    }
    expect((failed as { code?: string } | undefined)?.code).toBe('CORRUPTION');
    await db.close().catch(() => undefined);
  }, 240_000);
});
