// Partitioning a lake table by a column (docs/lake.md, "Partitions"): rows land in the day
// partition of the column's value read as a time (text dates, unix seconds), not the commit day;
// an update that changes the date moves the row; icebird reads the table equal to the source and
// every live data file's partition value (manifest) and path (`dt=YYYY-MM-DD`) are the day of
// every row in it. A table's partitioning is fixed at creation.
import { icebergManifests, icebergMetadata } from 'icebird';
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLakeTable, readLakeTable } from './support/lake-reader.js';
import { lakeOn, source, syncOnce, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every live data file: its partition day (manifest), path day, and the day of each of its rows' `_dosql_part_ts`. */
async function files(lake: Awaited<ReturnType<typeof lakeOn>>, table: string): Promise<{ path: string; partition: string | null; pathDay: string; rowDays: (string | null)[] }[]> {
  const snap = await lake.snapshot(table);
  const metadata = await icebergMetadata({ tableUrl: snap.url, metadataFileName: snap.metadataFileName });
  const out = [];
  for (const m of await icebergManifests(metadata)) {
    for (const e of m.entries) {
      if (e.status === 2 || e.data_file.content !== 0) continue;
      const dt = (e.data_file.partition as Record<string, unknown>).dt;
      const file = await asyncBufferFromUrl({ url: e.data_file.file_path });
      const rows = (await parquetReadObjects({ file, columns: ['_dosql_part_ts'], compressors })) as { _dosql_part_ts: unknown }[];
      const rowDays = rows.map((r) => (r._dosql_part_ts === null || r._dosql_part_ts === undefined ? null : day(r._dosql_part_ts instanceof Date ? r._dosql_part_ts.getTime() : Number(r._dosql_part_ts) / 1000)));
      out.push({ path: e.data_file.file_path, partition: dt === null || dt === undefined ? null : day(dt instanceof Date ? dt.getTime() : Number(dt) * 86_400_000), pathDay: /dt=([^/]+)\//.exec(e.data_file.file_path)![1]!, rowDays });
    }
  }
  return out;
}

describe('lake partitioning by a column', () => {
  it('puts rows in the day of a text date or unix-seconds column, moves them on update, and icebird reads the partition values', async () => {
    const db = await source('flights');
    const lake = await lakeOn(w, { namespace: 'part', tables: { legs: { partition: { column: 'flight_date' } }, pings: { partition: { column: 'at', unit: 'unixepoch' } } } });
    const srcs = new Map([['flights', db]]);
    await db.exec('CREATE TABLE legs(id INTEGER PRIMARY KEY, flight_date TEXT, origin TEXT, delay REAL)');
    await db.exec('CREATE TABLE pings(id INTEGER PRIMARY KEY, at INTEGER, v INT)');
    await db.run("INSERT INTO legs VALUES (1, '2001-09-10', 'BOS', 1.5), (2, '2001-09-10 23:59:59', 'JFK', 0.25), (3, '2001-09-11T06:00:00', 'EWR', 12.5), (4, '1969-12-31', 'SFO', 2.5), (5, NULL, 'LAX', 0.5), (6, 'not a date', 'ORD', 3.5)");
    await db.run('INSERT INTO pings VALUES (1, 0, 1), (2, 86399, 2), (3, 86400, 3), (4, 1700000000, 4)');
    await syncOnce(db, 'flights', lake);
    await db.run("UPDATE legs SET flight_date = '2002-01-01' WHERE id = 1");
    await db.run('DELETE FROM legs WHERE id = 2');
    await db.run('UPDATE pings SET at = 1800000000 WHERE id = 1');
    await syncOnce(db, 'flights', lake);
    for (const t of ['legs', 'pings']) {
      const { got, want } = await compareLakeTable(lake, t, srcs);
      expect(got, t).toEqual(want);
    }
    // Every live row's _dosql_part_ts is its column read as a time.
    const legs = await readLakeTable(lake, 'legs');
    const partDay = new Map(legs.rows.map((r) => [Number(r.id), r._dosql_part_ts === null || r._dosql_part_ts === undefined ? null : day(new Date(r._dosql_part_ts as Date).getTime())]));
    expect(Object.fromEntries(partDay)).toEqual({ 1: '2002-01-01', 3: '2001-09-11', 4: '1969-12-31', 5: null, 6: null });
    // Every data file sits in the partition (manifest value and path) of each of its rows.
    for (const t of ['legs', 'pings']) {
      const fs = await files(lake, t);
      expect(fs.length).toBeGreaterThan(1);
      for (const f of fs) {
        expect(f.pathDay, f.path).toBe(f.partition ?? 'null');
        for (const d of f.rowDays) expect(d, f.path).toBe(f.partition);
      }
    }
    const legDays = new Set((await files(lake, 'legs')).map((f) => f.partition));
    expect([...legDays].sort()).toEqual(['1969-12-31', '2001-09-10', '2001-09-11', '2002-01-01', null].sort());
    const pingDays = new Set((await files(lake, 'pings')).map((f) => f.partition));
    expect([...pingDays].sort()).toEqual(['1970-01-01', '1970-01-02', '2023-11-14', '2027-01-15'].sort());
    // Compaction keeps the partitions.
    await lake.compact({ mode: 'full' });
    for (const f of await files(lake, 'legs')) for (const d of f.rowDays) expect(d, f.path).toBe(f.partition);
    expect((await compareLakeTable(lake, 'legs', srcs)).got).toEqual((await compareLakeTable(lake, 'legs', srcs)).want);
    await lake.close();
    // Another partitioning for the existing table is refused.
    const other = await lakeOn(w, { namespace: 'part', tables: { legs: { partition: 'commit' } } });
    await db.run("INSERT INTO legs VALUES (7, '2003-03-03', 'SEA', 1.0)");
    await expect(other.snapshot('legs')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await other.close();
  }, 60_000);
});
