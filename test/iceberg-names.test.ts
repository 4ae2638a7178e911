// Any table or column name SQLite accepts goes through the cold tier and Iceberg publishing
// (issue 13, item 12): names that are not safe path segments ('..', 'a/b', 'x/metadata', 'CON',
// 300 bytes, non-ASCII, '%41', the empty name) are created, compacted to columnar runs, read
// back, published, and read by icebird over loopback HTTP with the same rows; no table's files
// land inside another table's folder, so cleaning one table's orphans never touches another.
// better-sqlite3 is the oracle for which names SQLite accepts and for the rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { serveFolder, type StaticServer } from './support/static-server.js';

let server: StaticServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dosql-iceberg-names-'));
  server = await serveFolder(dir);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const norm = (rows: Record<string, unknown>[]): string[] =>
  rows.map((r) => JSON.stringify(Object.entries(r), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();

const TABLES = [
  '..',
  '.',
  'a',
  'a/b',
  'x',
  'x/metadata',
  'metadata',
  'CON',
  'nul',
  'Ä',
  '日本 表',
  'my-table',
  'my-2dtable',
  'my.table',
  '%41',
  'a%2Fb',
  '',
  ' ',
  'data/../x',
  'x'.repeat(300),
  `${'é'.repeat(200)}1`,
  `${'é'.repeat(200)}2`,
];

// Column names that are not Avro/Parquet-friendly, collide once made so ('a/b' and 'a_x2Fb'),
// or look like the names dosql gives its own columns in a run ('_dosql_lsn', 'rowid', 'dosql_slots').
const COLUMNS = ['..', 'a/b', 'a_x2Fb', 'x.y', '日本', '', ' ', '%41', 'metadata', 'c'.repeat(300), 'Mixed Case', '1st', '_dosql_lsn', '_dosql_kind', 'rowid', 'dosql_slots'];

describe('table and column names in the cold tier and Iceberg', () => {
  it('every name SQLite accepts is compacted, read back and published; icebird reads the same rows; no table nests in another', async () => {
    const lite = new Sqlite(':memory:');
    const path = join(dir, 'names');
    const db = DB('names', { path, durability: 'normal', warehouse: { url: `${server.base}/names/cold/warehouse` } });
    const cols = COLUMNS.map(quote).join(', ');
    for (const [i, t] of TABLES.entries()) {
      const ddl = `CREATE TABLE ${quote(t)}(id INTEGER PRIMARY KEY, ${cols})`;
      lite.exec(ddl); // SQLite accepts it: so must dosql
      await db.exec(ddl);
      const ins = `INSERT INTO ${quote(t)} VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`;
      for (let r = 1; r <= 3; r++) {
        const values = [r, ...COLUMNS.map((_, c) => `t${i} r${r} c${c}`)];
        lite.prepare(ins).run(...values);
        await db.run(ins, values);
      }
    }
    // ASCII case folds as in SQLite: "a" and "A" are one table; "Ä" and "ä" are not in SQLite.
    expect(() => lite.exec('CREATE TABLE "A"(z)')).toThrow(/already exists/);
    await expect(db.exec('CREATE TABLE "A"(z)')).rejects.toThrow(/already exists/);

    const { published } = await db.compact({ tier: 'cold' });
    expect(published.map((p) => p.table).sort()).toEqual([...TABLES].sort());
    expect((await db.engine()).stats().cold.tables).toHaveLength(TABLES.length);
    // Published in place: each snapshot references its table's columnar run.
    expect((await db.engine()).manifest.externalRefs).toHaveLength(TABLES.length);

    const folders = new Map<string, string>();
    for (const t of TABLES) {
      const sql = `SELECT * FROM ${quote(t)} ORDER BY id`;
      const want = lite.prepare(sql).all() as Record<string, unknown>[];
      expect(norm(await db.query(sql)), `dosql reads ${JSON.stringify(t)}`).toEqual(norm(want));
      const snaps = await db.icebergSnapshots(t);
      expect(snaps, JSON.stringify(t)).toHaveLength(1);
      const metadataPath = snaps[0]!.metadataPath;
      const tableUrl = metadataPath.slice(0, metadataPath.lastIndexOf('/metadata/'));
      const got = (await icebergRead({ tableUrl, metadataFileName: metadataPath.split('/').pop()! })) as Record<string, unknown>[];
      expect(norm(got), `icebird reads ${JSON.stringify(t)}`).toEqual(norm(want));
      folders.set(t, tableUrl.slice(`${server.base}/names/cold/warehouse/default/`.length));
    }
    // One folder per table, a single safe path segment, lower case (case-insensitive file systems).
    for (const [t, f] of folders) {
      expect(f, JSON.stringify(t)).toMatch(/^[a-z0-9_-]{1,255}$/);
      expect(['.', '..', 'con', 'nul', 'prn', 'aux'], JSON.stringify(t)).not.toContain(f);
    }
    expect(new Set(folders.values()).size).toBe(TABLES.length);
    // Plain names keep their folder.
    expect(folders.get('a')).toBe('a');
    expect(folders.get('x')).toBe('x');

    // Cleaning one table's orphans leaves every other table readable.
    const cleaned = await db.cleanupIceberg();
    expect(cleaned.flatMap((c) => c.removed)).toEqual([]);
    for (const t of TABLES) {
      const snaps = await db.icebergSnapshots(t);
      const tableUrl = snaps[0]!.metadataPath.slice(0, snaps[0]!.metadataPath.lastIndexOf('/metadata/'));
      const got = (await icebergRead({ tableUrl })) as Record<string, unknown>[];
      expect(norm(got), `icebird reads ${JSON.stringify(t)} after cleanup`).toEqual(norm(lite.prepare(`SELECT * FROM ${quote(t)}`).all() as Record<string, unknown>[]));
    }
    // ASCII case variants name the same table, as in SQL.
    expect(await db.icebergSnapshots('MY-TABLE')).toEqual(await db.icebergSnapshots('my-table'));
    await db.close();

    // Reopened, changed (the runs no longer hold the state: publishing writes a copy), published again.
    const again = DB('names', { path, durability: 'normal', warehouse: { url: `${server.base}/names/cold/warehouse` } });
    for (const [i, t] of TABLES.entries()) {
      const upd = `UPDATE ${quote(t)} SET ${quote(COLUMNS[1]!)} = ?, ${quote('')} = ? WHERE id = 2`;
      lite.prepare(upd).run(`changed ${i}`, `empty ${i}`);
      await again.run(upd, [`changed ${i}`, `empty ${i}`]);
    }
    await again.publishIceberg();
    for (const t of TABLES) {
      const want = lite.prepare(`SELECT * FROM ${quote(t)}`).all() as Record<string, unknown>[];
      expect(norm(await again.query(`SELECT * FROM ${quote(t)}`)), `dosql reads ${JSON.stringify(t)} after reopen`).toEqual(norm(want));
      const snaps = await again.icebergSnapshots(t);
      expect(snaps).toHaveLength(2);
      const tableUrl = snaps[1]!.metadataPath.slice(0, snaps[1]!.metadataPath.lastIndexOf('/metadata/'));
      expect(norm((await icebergRead({ tableUrl })) as Record<string, unknown>[]), `icebird reads ${JSON.stringify(t)} published from a copy`).toEqual(norm(want));
    }
    await again.close();
    lite.close();
  }, 120_000);
});
