// Incremental commits (iceberg/table-commit.ts): fast append carries manifests and their
// sequence numbers; a merge or a removal rewrites the live set keeping EXISTING entries' numbers
// and lists removed files once as DELETED; a lost race returns 'lost' and leaves the winner's
// table intact; a lost acknowledgement of the metadata put is resolved by the commit id.
import { describe, expect, it } from 'vitest';
import { FaultInjectingStore } from '../storage/fault-store.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { daySpec } from './partition-spec.js';
import { ManifestEntryStatus } from './schemas.js';
import { commitTable, type CommitRequest } from './table-commit.js';
import { loadCurrentMetadata, readSnapshotFiles } from './table-files.js';
import { currentSnapshot } from './table-metadata.js';
import type { IcebergTableLocation } from './types.js';

const loc: IcebergTableLocation = { prefix: 'warehouse/ns/t', url: 'mem://w/warehouse/ns/t' };
const schema = { type: 'struct' as const, 'schema-id': 0, fields: [{ id: 1, name: 'ts', required: true, type: 'timestamptz' as const }] };
const spec = daySpec(1);
const file = (name: string, dt = 1) => ({ path: `data/dt=x/${name}.parquet`, recordCount: 1, fileSizeBytes: 10, partition: { dt } });

async function commit(store: MemoryObjectStore | FaultInjectingStore, o: Partial<CommitRequest> & { commitId: string }) {
  const base = await loadCurrentMetadata(store, loc);
  return commitTable(store, { table: loc, base, spec, schema, addedData: [], addedDeletes: [], timestampMs: 1, ...o });
}

async function live(store: MemoryObjectStore) {
  const m = (await loadCurrentMetadata(store, loc))!;
  const files = await readSnapshotFiles(store, loc, currentSnapshot(m.metadata)!);
  return { m, files, live: files.entries.filter((e) => e.status !== ManifestEntryStatus.DELETED).map((e) => [e.file.path.split('/').pop(), e.sequenceNumber]) };
}

describe('incremental Iceberg commits', () => {
  it('fast appends carry manifests; a merge and a removal keep sequence numbers; a removed file is listed as DELETED by its commit', async () => {
    const store = new MemoryObjectStore();
    for (let i = 1; i <= 3; i++) expect((await commit(store, { commitId: `c${i}`, addedData: [file(`f${i}`)] })).status).toBe('committed');
    let s = await live(store);
    expect(s.files.manifests).toHaveLength(3);
    expect(s.live).toEqual([['f1.parquet', 1], ['f2.parquet', 2], ['f3.parquet', 3]]);
    expect(s.m.metadata['partition-specs']).toEqual([spec]);
    // Past the merge threshold: one data manifest, every file with its own sequence number.
    await commit(store, { commitId: 'c4', addedData: [file('f4')], mergeManifestsAbove: 3 });
    s = await live(store);
    expect(s.files.manifests).toHaveLength(1);
    expect(s.live).toEqual([['f1.parquet', 1], ['f2.parquet', 2], ['f3.parquet', 3], ['f4.parquet', 4]]);
    // Remove f2: listed once as DELETED, then gone; the others keep their numbers.
    await commit(store, { commitId: 'c5', addedData: [file('f5')], removed: new Set([`${loc.url}/data/dt=x/f2.parquet`]), operation: 'replace' });
    s = await live(store);
    expect(s.files.entries.filter((e) => e.status === ManifestEntryStatus.DELETED).map((e) => e.file.path.split('/').pop())).toEqual(['f2.parquet']);
    expect(s.live).toEqual([['f1.parquet', 1], ['f3.parquet', 3], ['f4.parquet', 4], ['f5.parquet', 5]]);
    expect(currentSnapshot(s.m.metadata)!.summary).toMatchObject({ operation: 'replace', 'total-data-files': '4', 'deleted-data-files': '1', 'dosql.commit-id': 'c5' });
    await commit(store, { commitId: 'c6', addedData: [file('f6')] });
    s = await live(store);
    expect(s.live.map((x) => x[0])).toEqual(['f1.parquet', 'f3.parquet', 'f4.parquet', 'f5.parquet', 'f6.parquet']);
    expect(currentSnapshot(s.m.metadata)!.summary['total-data-files']).toBe('5');
  });

  it('two writers on one version: the second loses; a lost acknowledgement is resolved by the commit id', async () => {
    const store = new MemoryObjectStore();
    await commit(store, { commitId: 'base', addedData: [file('a')] });
    const base = await loadCurrentMetadata(store, loc);
    const one = await commitTable(store, { table: loc, base, spec, schema, addedData: [file('b')], addedDeletes: [], timestampMs: 2, commitId: 'one' });
    const two = await commitTable(store, { table: loc, base, spec, schema, addedData: [file('c')], addedDeletes: [], timestampMs: 2, commitId: 'two' });
    expect([one.status, two.status]).toEqual(['committed', 'lost']);
    expect((await live(store)).live.map((x) => x[0])).toEqual(['a.parquet', 'b.parquet']);
    // The metadata put lands but reports failure (tear): the commit id in v3 says it is ours.
    const torn = new FaultInjectingStore(store, { seed: 3, rules: [{ op: 'put', kind: 'tear', keyPrefix: `${loc.prefix}/metadata/v3.metadata.json`, nth: 1 }] });
    const outcome = await commit(torn, { commitId: 'three', addedData: [file('d')] });
    expect(torn.injected.put).toBe(1);
    expect(outcome.status).toBe('committed');
    expect((await live(store)).live.map((x) => x[0])).toEqual(['a.parquet', 'b.parquet', 'd.parquet']);
  });
});
