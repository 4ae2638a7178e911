// The manifest invariants hold on every edit the version set writes, not only compactions:
// an edit that breaks one (here: branch, snapshot and pin bookkeeping) is refused before
// anything is written, and old manifests without `nextBranchId` read with a safe value.
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { TRAILER_SIZE as MVCC_TRAILER_SIZE } from '../mvcc/internal-key.js';
import { decodeManifest, emptyManifest, encodeManifest, type ManifestState } from './manifest-format.js';
import { checkInvariants, TRAILER_SIZE } from './version-edit.js';
import { listManifestVersions, VersionSet } from './version-set.js';

const branch = (id: number, name: string, parent: number | null = 0): ManifestState['branches'][number] => ({ id, name, parent, baseLsn: 0, createdAt: 0, mergedAt: null });

describe('manifest invariants', () => {
  it('uses the internal-key trailer size of src/mvcc', () => {
    expect(TRAILER_SIZE).toBe(MVCC_TRAILER_SIZE);
  });

  it('finds broken branch, snapshot and pin bookkeeping', () => {
    const ok: ManifestState = { ...emptyManifest(), nextBranchId: 3, branches: [branch(1, 'a'), branch(2, 'b', 1)], snapshots: [{ name: 'main@1', branch: 0, lsn: 4, createdAt: 0 }], pins: [{ lsn: 3, reason: 'x' }] };
    expect(checkInvariants(ok)).toEqual([]);
    const cases: [string, Partial<ManifestState>][] = [
      ['appears twice', { branches: [branch(1, 'a'), branch(1, 'b')] }],
      ['name a appears twice', { branches: [branch(1, 'a'), branch(2, 'a')] }],
      ['>= nextBranchId', { nextBranchId: 2 }],
      ['bad name "main"', { branches: [branch(1, 'main')] }],
      ['parent 7 is not a branch', { branches: [branch(1, 'a', 7)] }],
      ['branch 9 does not exist', { snapshots: [{ name: 's', branch: 9, lsn: 1, createdAt: 0 }] }],
      ['snapshot name s appears twice', { snapshots: [{ name: 's', branch: 0, lsn: 1, createdAt: 0 }, { name: 's', branch: 0, lsn: 2, createdAt: 0 }] }],
      ['bad LSN -1', { pins: [{ lsn: -1, reason: 'x' }] }],
    ];
    for (const [want, patch] of cases) expect(checkInvariants({ ...ok, ...patch }).join('; ')).toContain(want);
  });

  it('finds broken change-data-capture bookkeeping: retained WAL segments and replication slots', () => {
    const h = (key: string, firstLsn: number, lastLsn: number, hot = true, archived?: string): ManifestState['walHistory'][number] => ({ key, end: 100, firstLsn, lastLsn, hot, ...(archived ? { archived } : {}) });
    const slot = (name: string, lsn: number, branchId = 0): ManifestState['slots'][number] => ({ name, lsn, seq: null, branch: branchId, createdAt: 0, updatedAt: 0 });
    const ok: ManifestState = { ...emptyManifest(), lastLsn: 30, nextBranchId: 2, branches: [branch(1, 'a')], walHistory: [h('wal/a', 1, 9), h('wal/b', 10, 20, false, '_archive/wal/b')], slots: [slot('s', 5), slot('t', 30, 1)] };
    expect(checkInvariants(ok)).toEqual([]);
    const cases: [string, Partial<ManifestState>][] = [
      ['LSN 5 does not follow 9', { walHistory: [h('wal/a', 1, 9), h('wal/b', 5, 20)] }],
      ['bad LSN range 9..3', { walHistory: [h('wal/a', 9, 3)] }],
      ['wal/a appears twice', { walHistory: [h('wal/a', 1, 9), h('wal/a', 10, 11)] }],
      ['neither a hot copy nor an archive', { walHistory: [h('wal/a', 1, 9, false)] }],
      ['slot name s appears twice', { slots: [slot('s', 1), slot('s', 2)] }],
      ['bad LSN 31', { slots: [slot('s', 31)] }],
      ['branch 4 does not exist', { slots: [slot('s', 1, 4)] }],
    ];
    for (const [want, patch] of cases) expect(checkInvariants({ ...ok, ...patch }).join('; ')).toContain(want);
  });

  it('VersionSet.update refuses a branch edit that breaks them and writes nothing', async () => {
    const store = new MemoryObjectStore();
    const vs = await VersionSet.open(store);
    await vs.update((d) => {
      d.branches.push(branch(1, 'a'));
      d.nextBranchId = 2;
    });
    const before = await listManifestVersions(store);
    await expect(vs.update((d) => d.branches.push(branch(1, 'b')))).rejects.toMatchObject({ code: 'CORRUPTION' });
    await expect(vs.update((d) => d.snapshots.push({ name: 's', branch: 5, lsn: 0, createdAt: 0 }))).rejects.toMatchObject({ code: 'CORRUPTION' });
    expect(await listManifestVersions(store)).toEqual(before);
    expect(vs.state.branches.map((b) => b.name)).toEqual(['a']);
    // The version set still writes valid edits afterwards.
    await vs.update((d) => d.pins.push({ lsn: 0, reason: 'ok' }));
    expect(vs.state.pins).toHaveLength(1);
  });

  it('reads a manifest written before nextBranchId with one above the highest branch id', () => {
    const old = { ...emptyManifest(), branches: [branch(1, 'a'), branch(4, 'd')] } as Partial<ManifestState>;
    delete old.nextBranchId;
    const state = decodeManifest(encodeManifest(old as ManifestState), 'm');
    expect(state.nextBranchId).toBe(5);
    expect(checkInvariants(state)).toEqual([]);
  });
});
