// The Iceberg contract (ARCHITECTURE.md §7): an external reader of the snapshot published at
// LSN n sees exactly the rows `SELECT * FROM t FOR SYSTEM_TIME AS OF LSN n` returns. icebird
// reads the warehouse folder over a loopback HTTP server; DuckDB reads the Parquet data files
// and must see the same values and the Iceberg field ids.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { serveFolder, type StaticServer } from './support/static-server.js';

let server: StaticServer;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dosql-iceberg-'));
  server = await serveFolder(dir);
  base = server.base;
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const norm = (rows: Record<string, unknown>[]): string[] =>
  rows.map((r) => JSON.stringify(Object.values(r), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();

describe('Iceberg publishing', () => {
  it('every published snapshot reads in icebird exactly as AS OF its LSN; DuckDB reads the data files with field ids', async () => {
    const db = DB('shop', { path: join(dir, 'shop'), durability: 'normal', warehouse: { url: `${base}/shop/cold/warehouse` } });
    await db.exec('CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, qty INTEGER)');
    await db.run("INSERT INTO item VALUES (1, 'pen', 1.5, 10), (2, 'ink', 3, 5), (3, 'cap', 2, NULL)");
    const published: { lsn: number }[] = [];
    published.push(...(await db.compact({ tier: 'cold' })).published);
    await db.run('UPDATE item SET price = 2.25 WHERE id = 1');
    await db.run('DELETE FROM item WHERE id = 2');
    await db.run("INSERT INTO item VALUES (4, 'box', 7, 7)");
    published.push(...(await db.compact({ full: true, tier: 'cold' })).published);
    await db.exec("ALTER TABLE item ADD COLUMN color TEXT DEFAULT 'red'");
    await db.run("UPDATE item SET color = 'blue' WHERE id = 3");
    published.push(...(await db.publishIceberg(['item'])));

    const snaps = await db.icebergSnapshots('item');
    expect(snaps.map((s) => s.lsn)).toEqual(published.map((p) => p.lsn));
    const tableUrl = `${db.warehousePath()}/default/item`;
    for (const s of snaps) {
      const want = await db.query(`SELECT * FROM item FOR SYSTEM_TIME AS OF LSN ${s.lsn}`);
      const metadataFileName = s.metadataPath.split('/').pop()!;
      const got = (await icebergRead({ tableUrl, metadataFileName })) as Record<string, unknown>[];
      expect(norm(got), `snapshot at LSN ${s.lsn}`).toEqual(norm(want));
    }

    // DuckDB on the current snapshot's data files: same values, Iceberg field ids in the schema.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const dataDir = join(dir, 'shop', 'cold', 'warehouse', 'default', 'item', 'data');
    const last = (await icebergRead({ tableUrl })) as Record<string, unknown>[];
    expect(last.length).toBe(3);
    const files = (await duck.runAndReadAll(`SELECT file FROM glob('${dataDir}/*.parquet') ORDER BY file DESC LIMIT 1`)).getRowObjectsJS();
    const file = String(files[0]!.file);
    const duckRows = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS() as Record<string, unknown>[];
    expect(norm(duckRows)).toEqual(norm(await db.query('SELECT * FROM item')));
    const ids = (await duck.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${file}') WHERE field_id IS NOT NULL ORDER BY field_id`)).getRowObjectsJS();
    expect(ids.map((r) => [r.name, Number(r.field_id)])).toEqual([
      ['id', 1],
      ['name', 2],
      ['price', 3],
      ['qty', 4],
      ['color', 5],
    ]);
    expect(statSync(fileURLToPath(`file://${file}`)).size).toBeGreaterThan(0);

    // Expiring all but the newest snapshot removes the old data files; the table still reads.
    const exp = await db.expireIcebergSnapshots({ olderThanMs: Date.now() + 1 });
    expect(exp[0]!.expired).toHaveLength(2);
    expect(exp[0]!.removed.some((k) => k.includes('/data/'))).toBe(true);
    expect(await db.icebergSnapshots('item')).toHaveLength(1);
    expect(norm((await icebergRead({ tableUrl })) as Record<string, unknown>[])).toEqual(norm(await db.query('SELECT * FROM item')));
    await db.close();
  });
});

describe('Iceberg snapshots over columnar runs', () => {
  it('references runs in place when they hold the state, keeps them while a snapshot needs them, frees them after expiry', async () => {
    const path = join(dir, 'runs');
    const open = () => DB('runs', { path, durability: 'normal', retention: 0, warehouse: { url: `${base}/runs/cold/warehouse` } });
    let db = open();
    await db.exec('CREATE TABLE f(id INTEGER PRIMARY KEY, origin TEXT, delay INTEGER, dist REAL)');
    const put = async (from: number, to: number): Promise<void> => {
      await db.transaction(async (tx) => {
        for (let i = from; i < to; i++) await tx.run('INSERT INTO f VALUES (?, ?, ?, ?)', [i, ['ORD', 'SFO', 'BOS'][i % 3], (i * 7) % 90 - 20, i / 4]);
      });
    };
    await put(1, 3000);
    await db.compact({ tier: 'cold' });
    const tableUrl = `${db.warehousePath()}/default/f`;
    const runsDir = join(path, 'cold', 'runs');
    const runFiles = (): string[] => readdirSync(runsDir).sort();
    const first = runFiles();
    expect(first.length).toBeGreaterThan(0);
    // No copy: the snapshot's data files are the runs themselves, and readers see dosql's rows.
    expect(existsSync(join(path, 'cold', 'warehouse', 'default', 'f', 'data'))).toBe(false);
    const snaps1 = await db.icebergSnapshots('f');
    const read = async (metadataPath: string): Promise<string[]> => norm((await icebergRead({ tableUrl, metadataFileName: metadataPath.split('/').pop()! })) as Record<string, unknown>[]);
    const state1 = norm(await db.query('SELECT * FROM f'));
    expect(await read(snaps1[0]!.metadataPath)).toEqual(state1);
    expect((await db.engine()).manifest.externalRefs).toEqual(first.map((f) => `cold/runs/${f}`));
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const ids = (await duck.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${join(runsDir, first[0]!)}') WHERE field_id IS NOT NULL AND field_id < 1000 ORDER BY field_id`)).getRowObjectsJS();
    expect(ids).toEqual([
      { name: 'id', field_id: 1n },
      { name: 'origin', field_id: 2n },
      { name: 'delay', field_id: 3n },
      { name: 'dist', field_id: 4n },
    ]);
    // New rows, a new cold compaction: new runs; the old ones stay while snapshot 1 needs them.
    await put(3000, 4000);
    await db.compact({ tier: 'cold' });
    const snaps2 = await db.icebergSnapshots('f');
    expect(snaps2).toHaveLength(2);
    const second = runFiles();
    expect(second).toEqual(expect.arrayContaining(first));
    await db.close();
    db = open();
    expect(runFiles()).toEqual(expect.arrayContaining(first)); // not orphans: listed as external references
    // (retention 0: dosql itself no longer keeps that state; the snapshot's runs still do)
    expect(await read(snaps2[0]!.metadataPath)).toEqual(state1);
    expect(await read(snaps2[1]!.metadataPath)).toEqual(norm(await db.query('SELECT * FROM f')));
    // Expiring snapshot 1 releases its runs; they are deleted (at the latest at the next open).
    await db.expireIcebergSnapshots({ olderThanMs: Date.now() + 1000, retainLast: 1 });
    await db.close();
    db = open();
    await db.query('SELECT count(*) FROM f');
    // The second cold compaction rewrote every row into new runs: the first runs were kept
    // only for snapshot 1.
    const left = runFiles();
    expect(second.filter((f) => !first.includes(f)).length).toBeGreaterThan(0);
    for (const f of first) expect(left).not.toContain(f);
    expect((await db.engine()).manifest.externalRefs).toEqual(left.map((f) => `cold/runs/${f}`));
    expect(await read((await db.icebergSnapshots('f'))[0]!.metadataPath)).toEqual(norm(await db.query('SELECT * FROM f')));
    // An update and a delete under a named snapshot make the runs hold history: the next publish
    // still references the runs, hiding superseded versions and tombstones with position deletes.
    await db.createSnapshot('keep');
    await db.run('UPDATE f SET delay = delay + 1 WHERE id % 10 = 0');
    await db.run('DELETE FROM f WHERE id % 13 = 0');
    await db.compact({ tier: 'cold' });
    const dataFiles = readdirSync(join(path, 'cold', 'warehouse', 'default', 'f', 'data'));
    expect(dataFiles.length).toBeGreaterThan(0);
    expect(dataFiles.every((f) => f.endsWith('-deletes.parquet'))).toBe(true);
    const snaps3 = await db.icebergSnapshots('f');
    expect(await read(snaps3[snaps3.length - 1]!.metadataPath)).toEqual(norm(await db.query('SELECT * FROM f')));
    await db.close();
  });
});
