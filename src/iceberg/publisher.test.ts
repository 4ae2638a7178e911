// End to end: publish snapshots of real Parquet files into a MemoryObjectStore, then read the
// table with icebird (an independent Iceberg reader) through a fetch shim that serves the store
// under mem://cold/ with Range support. Covers time travel, position deletes, carried-over
// entries, removal, racing publishers, expiry and orphan listing.
import * as arrow from 'apache-arrow';
import { icebergManifests, icebergMetadata, icebergRead } from 'icebird';
import * as pw from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDoSQLError } from '../errors.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { encodeBound } from './bounds.js';
import { expireSnapshots, listOrphans } from './maintenance.js';
import { listSnapshots, publishSnapshot, type PublishOptions } from './publisher.js';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from './schemas.js';
import { loadCurrentMetadata, readSnapshotFiles } from './table-files.js';
import { currentSnapshot } from './table-metadata.js';
import type { DataFileInfo, DeleteFileInfo, IcebergSchema, IcebergTableLocation } from './types.js';

const SCHEMA: IcebergSchema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
  ],
};

function parquet(fields: arrow.Field[], columns: arrow.Vector[], kv: Map<string, string>): Uint8Array {
  const schema = new arrow.Schema(fields);
  const n = columns[0]!.length;
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: columns.map((c) => c.data[0]!) });
  const table = new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setKeyValueMetadata(kv).build();
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
}

function vector<T extends arrow.DataType>(type: T, values: readonly unknown[]): arrow.Vector<T> {
  const b = arrow.makeBuilder({ type, nullValues: [null] });
  for (const v of values) b.append(v as T['TValue']);
  return b.finish().toVector();
}

const fid = (id: number): Map<string, string> => new Map([['PARQUET:field_id', String(id)]]);

/** Writes a data file of (id, name) rows into the store and describes it with its metrics. */
async function dataFile(store: MemoryObjectStore, table: IcebergTableLocation, name: string, ids: number[]): Promise<DataFileInfo> {
  const bytes = parquet(
    [new arrow.Field('id', new arrow.Int64(), false, fid(1)), new arrow.Field('name', new arrow.Utf8(), true, fid(2))],
    [vector(new arrow.Int64(), ids.map(BigInt)), vector(new arrow.Utf8(), ids.map((i) => (i % 4 === 0 ? null : `n${i}`)))],
    new Map([['iceberg.schema', JSON.stringify(SCHEMA)]]),
  );
  const path = `data/${name}.parquet`;
  await store.put(`${table.prefix}/${path}`, bytes);
  return {
    path,
    recordCount: ids.length,
    fileSizeBytes: bytes.length,
    valueCounts: new Map([[1, ids.length], [2, ids.length]]),
    nullValueCounts: new Map([[1, 0], [2, ids.filter((i) => i % 4 === 0).length]]),
    lowerBounds: new Map([[1, encodeBound('long', Math.min(...ids))]]),
    upperBounds: new Map([[1, encodeBound('long', Math.max(...ids))]]),
  };
}

/** Writes a position-delete file removing rows `positions` of `target`. */
async function positionDeletes(store: MemoryObjectStore, table: IcebergTableLocation, name: string, target: DataFileInfo, positions: number[]): Promise<DeleteFileInfo> {
  const targetUrl = `${table.url}/${target.path}`;
  const bytes = parquet(
    [new arrow.Field('file_path', new arrow.Utf8(), false, fid(POSITION_DELETE_FILE_PATH_ID)), new arrow.Field('pos', new arrow.Int64(), false, fid(POSITION_DELETE_POS_ID))],
    [vector(new arrow.Utf8(), positions.map(() => targetUrl)), vector(new arrow.Int64(), positions.map(BigInt))],
    new Map(),
  );
  const path = `data/${name}.parquet`;
  await store.put(`${table.prefix}/${path}`, bytes);
  return { path, recordCount: positions.length, fileSizeBytes: bytes.length, referencedDataFile: target.path };
}

const store = new MemoryObjectStore();
const realFetch = globalThis.fetch;

beforeAll(() => {
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.startsWith('mem://cold/')) return realFetch(input, init);
    const key = url.slice('mem://cold/'.length);
    const range = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('range') ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) + 1 : undefined;
    const r = await store.get(key, range ? { range: { offset: start, length: (end ?? Number.MAX_SAFE_INTEGER) - start } } : undefined);
    if (!r) return new Response(null, { status: 404 });
    return new Response(r.data, { status: range ? 206 : 200, headers: { 'content-length': String(r.data.length) } });
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

const rowsOf = (rows: Record<string, unknown>[]): string[] => rows.map((r) => `${String(r['id'])}:${String(r['name'] ?? 'null')}`);
const base = (lsn: bigint, more: Partial<PublishOptions> = {}): PublishOptions => ({ schema: SCHEMA, dataFiles: [], lsn, timestampMs: 1_700_000_000_000 + Number(lsn), ...more });

describe('publishSnapshot read by icebird', () => {
  const table: IcebergTableLocation = { prefix: 'warehouse/db/orders', url: 'mem://cold/warehouse/db/orders' };
  let d1: DataFileInfo;
  let d2: DataFileInfo;

  it('publishes a first snapshot icebird reads', async () => {
    d1 = await dataFile(store, table, '00001', [1, 2, 3, 4, 5]);
    const r = await publishSnapshot(store, table, base(10n, { dataFiles: [d1] }));
    expect(r.version).toBe(1);
    expect(r.summary).toMatchObject({ operation: 'append', 'dosql.lsn': '10', 'added-data-files': '1', 'total-records': '5' });
    expect(rowsOf(await icebergRead({ tableUrl: table.url }))).toEqual(['1:n1', '2:n2', '3:n3', '4:null', '5:n5']);
    expect(new TextDecoder().decode((await store.get(`${table.prefix}/metadata/version-hint.text`))!.data)).toBe('1');
  });

  it('publishes a second snapshot with a new file and a position delete; the first stays readable', async () => {
    d2 = await dataFile(store, table, '00002', [6, 7, 8]);
    const del = await positionDeletes(store, table, '00002-deletes', d1, [1]);
    const r = await publishSnapshot(store, table, base(20n, { dataFiles: [d1, d2], deleteFiles: [del] }));
    expect(r.version).toBe(2);
    expect(r.summary).toMatchObject({ operation: 'overwrite', 'added-data-files': '1', 'total-data-files': '2', 'added-delete-files': '1', 'total-position-deletes': '1' });
    expect(rowsOf(await icebergRead({ tableUrl: table.url }))).toEqual(['1:n1', '3:n3', '4:null', '5:n5', '6:n6', '7:n7', '8:null']);
    expect(rowsOf(await icebergRead({ tableUrl: table.url, metadataFileName: 'v1.metadata.json' }))).toEqual(['1:n1', '2:n2', '3:n3', '4:null', '5:n5']);

    // d1 is carried over as EXISTING with its first sequence number; d2 inherits 2.
    const manifests = await icebergManifests(await icebergMetadata({ tableUrl: table.url }));
    const entries = manifests.flatMap((m) => m.entries).map((e) => `${e.status}:${e.data_file.file_path.split('/').pop()}:${e.sequence_number}`);
    expect(entries.sort()).toEqual(['0:00001.parquet:1', '1:00002-deletes.parquet:2', '1:00002.parquet:2']);
  });

  it('publishes a compaction that removes files; removed entries are marked DELETED', async () => {
    const d3 = await dataFile(store, table, '00003', [1, 3, 4, 5]);
    const r = await publishSnapshot(store, table, base(30n, { dataFiles: [d2, d3] }));
    expect(r.summary).toMatchObject({ operation: 'overwrite', 'deleted-data-files': '1', 'removed-delete-files': '1', 'total-delete-files': '0', 'total-records': '7' });
    expect(rowsOf(await icebergRead({ tableUrl: table.url }))).toEqual(['6:n6', '7:n7', '8:null', '1:n1', '3:n3', '4:null', '5:n5']);
    const loaded = (await loadCurrentMetadata(store, table))!;
    const files = await readSnapshotFiles(store, table, currentSnapshot(loaded.metadata)!);
    expect(files.entries.map((e) => `${e.status}:${e.file.path.split('/').pop()}`).sort()).toEqual(['0:00002.parquet', '1:00003.parquet', '2:00001.parquet', '2:00002-deletes.parquet']);
    // Metrics are written and read back.
    expect(files.entries.find((e) => e.file.path.endsWith('00002.parquet'))!.file.nullValueCounts).toEqual(new Map([[1, 0], [2, 1]]));
  });

  it('lists snapshots with their LSNs and time-travel metadata files', async () => {
    const snaps = await listSnapshots(store, table);
    expect(snaps.map((s) => [s.sequenceNumber, s.lsn, s.operation, s.metadataKey])).toEqual([
      [1, 10n, 'append', `${table.prefix}/metadata/v1.metadata.json`],
      [2, 20n, 'overwrite', `${table.prefix}/metadata/v2.metadata.json`],
      [3, 30n, 'overwrite', `${table.prefix}/metadata/v3.metadata.json`],
    ]);
    expect(snaps[1]!.parentSnapshotId).toBe(snaps[0]!.snapshotId);
    const v2 = snaps[1]!.metadataKey!.split('/').pop()!;
    expect(rowsOf(await icebergRead({ tableUrl: table.url, metadataFileName: v2 }))).toHaveLength(7);
  });

  // A data file elsewhere (an absolute URL outside the table) is allowed: dosql references its runs in place.
  it('refuses an older LSN, an accidental truncation, a duplicate file and a different location', async () => {
    const tries = [
      publishSnapshot(store, table, base(29n, { dataFiles: [d2] })),
      publishSnapshot(store, table, base(40n)),
      publishSnapshot(store, table, base(40n, { dataFiles: [d2, d2] })),
      publishSnapshot(store, { ...table, url: 'mem://other/warehouse/db/orders' }, base(40n, { dataFiles: [d2] })),
    ];
    for (const r of await Promise.allSettled(tries)) {
      expect(r.status).toBe('rejected');
      expect(isDoSQLError((r as PromiseRejectedResult).reason, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect((await listSnapshots(store, table)).length).toBe(3);
  });

  it('expires old snapshots and lists the files only they referenced as orphans', async () => {
    expect(await listOrphans(store, table)).toEqual([]);
    const r = await expireSnapshots(store, table, { olderThanMs: 1_700_000_000_000 + 25, retainLast: 1, timestampMs: 1_800_000_000_000 });
    expect(r.expired).toHaveLength(2);
    expect(r.version).toBe(4);
    const orphans = (await listOrphans(store, table)).map((k) => k.slice(table.prefix.length + 1));
    // The removed data and delete files, the two expired snapshots' manifests and lists, v1 and v2.
    expect(orphans.filter((k) => k.startsWith('data/'))).toEqual(['data/00001.parquet', 'data/00002-deletes.parquet']);
    expect(orphans.filter((k) => /^metadata\/v\d/.test(k))).toEqual(['metadata/v1.metadata.json', 'metadata/v2.metadata.json']);
    expect(orphans.filter((k) => k.startsWith('metadata/snap-'))).toHaveLength(2);
    expect(orphans.filter((k) => /-m\d\.avro$/.test(k))).toHaveLength(3);
    for (const k of orphans) await store.delete(`${table.prefix}/${k}`);
    expect(rowsOf(await icebergRead({ tableUrl: table.url }))).toEqual(['6:n6', '7:n7', '8:null', '1:n1', '3:n3', '4:null', '5:n5']);
    expect(rowsOf(await icebergRead({ tableUrl: table.url, metadataFileName: 'v3.metadata.json' }))).toHaveLength(7);
  });

  it('publishes an empty table only with removeAll', async () => {
    const r = await publishSnapshot(store, table, base(50n, { removeAll: true }));
    expect(r.summary).toMatchObject({ operation: 'delete', 'deleted-data-files': '2', 'total-data-files': '0', 'total-records': '0' });
    const files = await readSnapshotFiles(store, table, currentSnapshot((await loadCurrentMetadata(store, table))!.metadata)!);
    expect(files.entries.every((e) => e.status === 2)).toBe(true);
  });
});

describe('racing publishers', () => {
  it('let exactly one writer win v<N+1>; the loser leaves nothing referenced', async () => {
    const table: IcebergTableLocation = { prefix: 'warehouse/db/race', url: 'mem://cold/warehouse/db/race' };
    const first = await dataFile(store, table, 'first', [1, 2]);
    await publishSnapshot(store, table, base(1n, { dataFiles: [first] }));
    const a = await dataFile(store, table, 'a', [10, 11]);
    const b = await dataFile(store, table, 'b', [20]);
    // Both writers must read the same base: hold each one's first metadata listing until both arrived.
    let waiting = 0;
    let release: () => void = () => undefined;
    const bothListed = new Promise<void>((r) => (release = r));
    const gated = (): ObjectStore => {
      let first = true;
      return Object.assign(Object.create(store) as ObjectStore, {
        list: async (prefix: string) => {
          if (first) {
            first = false;
            if (++waiting === 2) release();
            await bothListed;
          }
          return store.list(prefix);
        },
      });
    };
    const results = await Promise.allSettled([
      publishSnapshot(gated(), table, base(2n, { dataFiles: [first, a] })),
      publishSnapshot(gated(), table, base(3n, { dataFiles: [first, b] })),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isDoSQLError(lost[0]!.reason, 'PRECONDITION_FAILED')).toBe(true);
    const winnerIsA = results[0]!.status === 'fulfilled';

    const snaps = await listSnapshots(store, table);
    expect(snaps.map((s) => s.lsn)).toEqual([1n, winnerIsA ? 2n : 3n]);
    const rows = rowsOf(await icebergRead({ tableUrl: table.url })).sort();
    expect(rows).toEqual(winnerIsA ? ['10:n10', '11:n11', '1:n1', '2:n2'] : ['1:n1', '20:null', '2:n2']);
    expect(new TextDecoder().decode((await store.get(`${table.prefix}/metadata/version-hint.text`))!.data)).toBe('2');
    // Only the loser's data file (written by the caller, not the publisher) is unreferenced.
    expect(await listOrphans(store, table)).toEqual([`${table.prefix}/data/${winnerIsA ? 'b' : 'a'}.parquet`]);

    // The loser retries on top of the winner and succeeds.
    const retry = await publishSnapshot(store, table, base(4n, { dataFiles: [first, a, b] }));
    expect(retry.version).toBe(3);
    expect(rowsOf(await icebergRead({ tableUrl: table.url }))).toHaveLength(5);
  });
});
