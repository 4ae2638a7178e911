// DuckDB agrees with icebird on the lake (issue 16): after a run with updates, deletes, key
// changes and an ADD COLUMN, DuckDB reads the current snapshot's data files with
// `read_parquet(..., filename = true, file_row_number = true)` and removes the rows its position
// delete files name (the test applies the deletes: an anti-join on file and row); for every table
// that equals what icebird reads.
import { join } from 'node:path';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileContent, ManifestEntryStatus } from '../src/iceberg/schemas.js';
import { loadCurrentMetadata, readSnapshotFiles } from '../src/iceberg/table-files.js';
import { currentSnapshot } from '../src/iceberg/table-metadata.js';
import { headLsn, lakeOn, source, streamer, until, warehouse, type Warehouse } from './support/lake-harness.js';
import { createTables, LAKE_TABLES, Prng, step } from './support/lake-workload.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

const utf8 = new TextDecoder();
type Duck = { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }> };

function norm(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'binary') return `b:${typeof v === 'string' ? v : utf8.decode(v instanceof Uint8Array ? v : (v as { bytes: Uint8Array }).bytes)}`;
  if (type === 'long') return String(v);
  return v;
}

describe('lake read by DuckDB', () => {
  it('DuckDB over the data files with the position deletes applied equals icebird, for every table', async () => {
    const r = new Prng(42);
    const db = await source('duck');
    const lake = await lakeOn(w, { namespace: 'duck', flush: { auto: false, maxRowsPerFile: 25 } });
    await createTables(db);
    const s = streamer(db, 'duck', lake, { maxBatchSize: 10 });
    await s.start();
    let altered = false;
    for (let i = 0; i < 80; i++) {
      altered = await step(db, r, i, altered, 30, true);
      if (i % 15 === 14) await lake.flush();
    }
    const head = await headLsn(db);
    await until(() => Number(s.getStatus().lastAckLSN) >= head);
    await lake.flush();
    await s.stop();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as Duck;
    const path = (url: string): string => join(w.dir, url.slice(w.server.base.length));
    let deletesSeen = 0;
    for (const t of LAKE_TABLES) {
      const snap = await lake.snapshot(t);
      const loc = { prefix: snap.url.slice(w.server.base.length + 1), url: snap.url };
      const m = (await loadCurrentMetadata(w.store, loc))!;
      const fields = m.metadata.schemas.find((x) => x['schema-id'] === m.metadata['current-schema-id'])!.fields.filter((f) => f.id > 4 || f.id === 1);
      const entries = (await readSnapshotFiles(w.store, loc, currentSnapshot(m.metadata)!)).entries.filter((e) => e.status !== ManifestEntryStatus.DELETED);
      const data = entries.filter((e) => e.content === FileContent.DATA).map((e) => path(e.file.path));
      const deletes = entries.filter((e) => e.content === FileContent.POSITION_DELETES).map((e) => path(e.file.path));
      deletesSeen += deletes.length;
      const list = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
      const cols = fields.map((f) => `"${f.name}"`).join(', ');
      const anti = deletes.length
        ? `ANTI JOIN (SELECT replace(file_path, '${w.server.base}/', '${w.dir}/') AS f, pos FROM read_parquet(${list(deletes)})) x ON d.filename = x.f AND d.file_row_number = x.pos`
        : '';
      const sql = `SELECT ${cols} FROM read_parquet(${list(data)}, filename = true, file_row_number = true, union_by_name = true) d ${anti}`;
      const duckRows = data.length ? (await duck.runAndReadAll(sql)).getRowObjectsJS() : [];
      const ice = data.length ? ((await icebergRead({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as Record<string, unknown>[]) : [];
      const canon = (rows: Record<string, unknown>[]): string[] => rows.map((x) => JSON.stringify(fields.map((f) => norm(x[f.name], f.type)))).sort();
      expect(canon(duckRows), `table ${t}`).toEqual(canon(ice));
      expect(ice.length, `table ${t} has rows`).toBeGreaterThan(0);
    }
    expect(deletesSeen).toBeGreaterThan(0);
    await lake.close();
    await db.close();
  });
});
