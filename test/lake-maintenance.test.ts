// Lake maintenance: compaction rewrites small files and deleted rows away per partition and the
// key index follows (later updates and deletes of compacted rows stay exact); snapshot expiry
// and orphan cleanup never remove what a retained snapshot or an in-flight commit needs (age
// guard on UUIDv7 names; a commit older than half of it is abandoned before its commit point).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../src/lake/index.js';
import type { Database } from '../src/sql/api/database.js';
import { ManualClock } from '../src/util/clock.js';
import { uuid7 } from '../src/util/uuid7.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { GatedStore } from './support/gated-store.js';
import { compareLakeTable } from './support/lake-reader.js';
import { headLsn, lakeOn, source, syncOnce, warehouse, type Warehouse } from './support/lake-harness.js';
import { createTables, LAKE_TABLES, Prng, step } from './support/lake-workload.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

async function expectAll(lake: Lake, db: Database, id: string): Promise<void> {
  for (const t of LAKE_TABLES) {
    const { got, want, positions } = await compareLakeTable(lake, t, new Map([[id, db]]));
    expect(got, `${t} at ${JSON.stringify(positions)}`).toEqual(want);
  }
}

const liveFiles = (lake: Lake, table: string): { data: number; deletes: number } => {
  const s = lake.status().tables.find((t) => t.name === table)!;
  return { data: s.dataFiles, deletes: s.deleteFiles };
};

describe('lake maintenance', () => {
  it('compaction rewrites small files with deletes applied; the index follows; readers see the same rows', async () => {
    const id = 'mnt1';
    const db = await source(id);
    const lake = await lakeOn(w, { namespace: id, flush: { auto: false } });
    await createTables(db);
    const r = new Prng(5);
    let altered = false;
    for (let i = 0; i < 60; i++) {
      altered = await step(db, r, i, altered, 999, false);
      if (i % 4 === 3) await syncOnce(db, id, lake);
    }
    await syncOnce(db, id, lake);
    await expectAll(lake, db, id);
    const before = liveFiles(lake, 'b');
    expect(before.data).toBeGreaterThan(5);
    expect(before.deletes).toBeGreaterThan(0);
    // Auto mode with the seed's thresholds: nothing is old or numerous enough.
    expect((await lake.compact()).tables).toEqual([]);
    const res = await lake.compact({ mode: 'full' });
    expect(res.tables.length).toBeGreaterThan(0);
    const after = liveFiles(lake, 'b');
    expect(after.data).toBeLessThan(before.data);
    expect(after.deletes).toBe(0);
    await expectAll(lake, db, id);
    // Rows that moved to the compacted files are updated and deleted exactly afterwards.
    for (let i = 60; i < 90; i++) altered = await step(db, r, i, altered, 70, true);
    await syncOnce(db, id, lake);
    await expectAll(lake, db, id);
    expect(lake.metrics().dolake_parquet_file_size).toBeGreaterThan(0);
    await lake.close();
    await db.close();
  });

  it('expiry keeps the newest snapshots; cleanup deletes old unreferenced files only, never a young or a foreign one', async () => {
    const id = 'mnt2';
    const db = await source(id);
    const clock = new ManualClock(Date.now());
    const lake = await lakeOn(w, { namespace: id, clock });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    for (let i = 0; i < 6; i++) {
      await db.run('INSERT OR REPLACE INTO t VALUES (?, ?)', [i % 3, i]);
      await syncOnce(db, id, lake);
      clock.advance(60_000);
    }
    await lake.compact({ mode: 'full' });
    const prefix = 'warehouse/mnt2/t';
    const put = (name: string): Promise<unknown> => w.store.put(`${prefix}/${name}`, new Uint8Array([1]));
    const oldOrphan = `data/dt=2000-01-01/${uuid7(clock.now() - 10 * 3_600_000)}-0.parquet`;
    const youngOrphan = `data/dt=2000-01-01/${uuid7(clock.now() - 60_000)}-0.parquet`;
    await put(oldOrphan);
    await put(youngOrphan);
    await put('data/foreign.parquet');
    const res = await lake.cleanup({ minSnapshotsToKeep: 2, maxSnapshotAgeMs: 0, orphanMinAgeMs: 3_600_000 });
    const r = res.tables.find((x) => x.table === 'mnt2.t')!;
    expect(r.expired).toBeGreaterThan(0);
    expect(r.kept).toBe(2);
    expect(r.deleted).toContain(`${prefix}/${oldOrphan}`);
    const left = (await w.store.list(`${prefix}/`)).map((x) => x.key);
    expect(left).toContain(`${prefix}/${youngOrphan}`);
    expect(left).toContain(`${prefix}/data/foreign.parquet`);
    // The files the compaction replaced were only in expired snapshots, and are old: gone.
    clock.advance(2 * 3_600_000);
    const again = await lake.cleanup({ minSnapshotsToKeep: 2, maxSnapshotAgeMs: 0, orphanMinAgeMs: 3_600_000 });
    expect(again.tables.find((x) => x.table === 'mnt2.t')!.deleted.some((k) => k.endsWith('.parquet'))).toBe(true);
    const { got, want } = await compareLakeTable(lake, 't', new Map([[id, db]]));
    expect(got).toEqual(want);
    await lake.close();
    await db.close();
  });

  it('an in-flight commit of another lake keeps its files through a cleanup; one older than half the guard gives up', async () => {
    const id = 'mnt3';
    const db = await source(id);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    await db.run('INSERT INTO t VALUES (1, 1)');
    const clock = new ManualClock(Date.now());
    const gated = new GatedStore(w.store);
    const writer = await lakeOn(w, { namespace: id, store: gated, clock, retention: { orphanMinAgeMs: 3_600_000 } });
    const cleaner = await lakeOn(w, { namespace: id, state: new MemoryObjectStore(), clock });
    await syncOnce(db, id, writer);
    await db.run('INSERT INTO t VALUES (2, 2)');
    // The writer's next commit stops just before its commit point...
    const gate = gated.gate('put', 'warehouse/mnt3/t/metadata/v');
    const flushing = syncOnce(db, id, writer);
    await gate.reached;
    // ...while another lake cleans up with a guard its files are younger than.
    clock.advance(1_000);
    const res = await cleaner.cleanup({ tables: ['t'], orphanMinAgeMs: 3_600_000, maxSnapshotAgeMs: 0, minSnapshotsToKeep: 1 });
    expect(res.tables.find((x) => x.table === 'mnt3.t')!.deleted.filter((k) => k.endsWith('.parquet'))).toEqual([]);
    gate.release();
    await flushing;
    const { got, want } = await compareLakeTable(writer, 't', new Map([[id, db]]));
    expect(got).toEqual(want);
    expect(got.length).toBe(2);
    // A commit that took more than half of the guard is abandoned before its commit point.
    await db.run('INSERT INTO t VALUES (3, 3)');
    const late = gated.gate('put', 'warehouse/mnt3/t/metadata/');
    const slow = syncOnce(db, id, writer).catch((e: unknown) => e);
    await late.reached; // the positions object, just before the commit
    clock.advance(2 * 3_600_000);
    late.release();
    expect(await slow).toMatchObject({ message: expect.stringMatching(/abandoned before its commit point/) });
    await syncOnce(db, id, writer); // planned again: lands
    expect((await writer.snapshot('t')).positions[id]).toBe(await headLsn(db));
    await writer.close();
    await cleaner.close();
    await db.close();
  });
});
