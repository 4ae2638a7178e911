// The vector search's visibility shortcut (src/vector/versioned-index.ts `visible`,
// src/lsm/layer-scan.ts `versionAbove`): a candidate version is kept without reading its row
// when its layer holds no newer version of the row at or below the read LSN (the index's
// per-entry next-newer LSN) and no newer source holds one (bloom filters first). Each case
// below is built so that one part of that rule decides the answer: a version superseded in its
// own layer, overwritten or deleted in a newer SSTable or the memtable, a read AS OF an LSN
// between two versions or before a version, a key a bloom filter wrongly says "maybe" for,
// a row deleted or changed on a child branch. Answers are compared with exact search at the
// same read point (and with what each case must return).
import { describe, expect, it } from 'vitest';
import { DB, createTimeTravelSession, lsn } from '../src/index.js';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { encodeUserKey } from '../src/mvcc/internal-key.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { layerIndexes, layerIndexesIdle } from '../src/vector/index.js';
import { VIX_VERSION, decodeVix, encodeVix, type VixIdentity } from '../src/vector/layer-file.js';
import { crc32c } from '../src/util/crc32c.js';
import { putU32LE } from '../src/util/coding.js';

const blob = (v: readonly number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
type Querier = { query<T>(sql: string, params?: unknown[]): Promise<T[]> };
type Hit = { id: number };

describe('LayerSnapshot.versionAbove (the newer-source check)', () => {
  it('equals "the visible version is another one" for every key of an older file, with bloom filters of 2 bits per key (many false positives)', async () => {
    const e = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off', bloomBitsPerKey: 2, compaction: { l0CompactionTrigger: 100, l0SlowdownTrigger: 200, l0StopTrigger: 300 } });
    const T = 7;
    const put = async (keys: number[], tag: string): Promise<number> => {
      const b = new WriteBatch();
      for (const k of keys) b.put(T, [k], new TextEncoder().encode(`${tag}${k}`));
      return (await e.write(b)).lsn;
    };
    const del = async (keys: number[]): Promise<number> => {
      const b = new WriteBatch();
      for (const k of keys) b.delete(T, [k]);
      return (await e.write(b)).lsn;
    };
    const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
    const lsnA = await put(range(0, 1000), 'a');
    await e.flush();
    const between = e.lastVisibleLsn;
    await put(range(0, 100), 'b'); // overwritten in a newer file
    await del(range(100, 150)); // deleted in a newer file
    await put(range(5000, 6000), 'x'); // other keys: the newer file's bloom filter says "maybe" for many of the older keys
    await e.flush();
    const afterB = e.lastVisibleLsn;
    await put(range(200, 210), 'm'); // overwritten in the memtable
    await del(range(210, 220)); // deleted in the memtable
    const snap = e.layerSnapshot();
    try {
      const older = snap.files.find((f) => f.minLsn === lsnA)!;
      expect(older).toBeDefined();
      expect(snap.files.length).toBe(2);
      let superseded = 0;
      for (const asOf of [lsnA, between, afterB, e.lastVisibleLsn]) {
        for (const k of range(0, 1000)) {
          const uk = encodeUserKey(0, T, [k]);
          const visible = await e.getRaw(uk, asOf);
          const want = visible!.lsn !== lsnA;
          const got = await snap.versionAbove(uk, lsnA, asOf, older);
          expect(got, `key ${k} AS OF ${asOf}`).toBe(want);
          if (want) superseded++;
        }
      }
      // AS OF lsnA and between: nothing newer; afterB: 150; latest: 170.
      expect(superseded).toBe(150 + 170);
      // Above the newer file: only the memtable counts.
      const newer = snap.files.find((f) => f !== older)!;
      for (const k of [0, 99, 100, 149, 200, 215, 300]) {
        const uk = encodeUserKey(0, T, [k]);
        expect(await snap.versionAbove(uk, afterB - 1, e.lastVisibleLsn, newer), `key ${k} above the newer file`).toBe(k >= 200 && k < 220);
      }
      // Every source (a branch's own key space hiding its parent's): any version at or below asOf.
      expect(await snap.versionAbove(encodeUserKey(0, T, [5]), -1, lsnA - 1)).toBe(false);
      expect(await snap.versionAbove(encodeUserKey(0, T, [5]), -1, lsnA)).toBe(true);
      expect(await snap.versionAbove(encodeUserKey(0, T, [4999]), -1, e.lastVisibleLsn)).toBe(false);
    } finally {
      snap.release();
    }
    await e.close();
  });
});

/** `vector_top_k` and the planner's form equal exact search at q's read point (a database, session or transaction). */
async function expectExact(q: unknown, v: number[], k: number, label: string): Promise<number[]> {
  const db = q as Querier;
  const got = await db.query<Hit>(`SELECT id FROM vector_top_k('ix', ?, ?)`, [blob(v), k]);
  const want = await db.query<Hit>(`SELECT id FROM d WHERE e IS NOT NULL ORDER BY vector_distance(e, ?, 'euclidean'), id LIMIT ?`, [blob(v), k]);
  expect(got.map((h) => h.id), label).toEqual(want.map((h) => h.id));
  const planned = await db.query<Hit>(`SELECT id FROM d ORDER BY vector_distance(e, ?, 'euclidean') LIMIT ?`, [blob(v), k]);
  expect(planned.map((h) => h.id), `${label} (planned)`).toEqual(want.map((h) => h.id));
  return want.map((h) => h.id);
}

describe('vector search visibility without row reads', () => {
  it('superseded in its own layer, overwritten or deleted in a newer SSTable or the memtable, AS OF between versions, on a branch', async () => {
    const db = DB('vvis', { storage: 'memory' });
    await db.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, e BLOB)');
    await db.exec("CREATE INDEX ix ON d USING VECTOR (e) WITH (dimensions = 2, metric = 'euclidean')");
    const engine = await db.engine();
    const Q = [0, 0];
    // Rows 1..9 start nearest to Q (row i at distance i / 100); rows 10..40 are far.
    const near = (i: number): number[] => [i / 100, 0];
    const far = (i: number): number[] => [5 + i, 5];
    const moved = (i: number): number[] => [100 + i, 0]; // an update moves a near row past every far one
    const lsns: Record<string, number> = {};
    for (let i = 1; i <= 40; i++) lsns[`insert ${i}`] = (await db.run('INSERT INTO d VALUES (?, ?)', [i, blob(i <= 9 ? near(i) : far(i))])).lsn;
    await expectExact(db, Q, 5, 'memtable only'); // the index is watched from here on: flushes build layer indexes
    // Row 1 superseded in the same layer (both versions flushed together), row 2 deleted in it.
    lsns['update 1'] = (await db.run('UPDATE d SET e = ? WHERE id = 1', [blob(moved(1))])).lsn;
    lsns['delete 2'] = (await db.run('DELETE FROM d WHERE id = 2')).lsn;
    await engine.flush();
    // Row 3 overwritten and row 4 deleted in a newer SSTable.
    lsns['update 3'] = (await db.run('UPDATE d SET e = ? WHERE id = 3', [blob(moved(3))])).lsn;
    lsns['delete 4'] = (await db.run('DELETE FROM d WHERE id = 4')).lsn;
    await engine.flush();
    await layerIndexesIdle(engine);
    // The older layer holds row 1's two versions (41 vectors: 40 rows + row 1's second), the newer row 3's.
    expect(layerIndexes(engine).map((x) => x.entries)).toEqual([41, 1]);
    // Row 5 overwritten and row 6 deleted in the memtable (their older versions in an SSTable).
    lsns['update 5'] = (await db.run('UPDATE d SET e = ? WHERE id = 5', [blob(moved(5))])).lsn;
    lsns['delete 6'] = (await db.run('DELETE FROM d WHERE id = 6')).lsn;

    expect(await expectExact(db, Q, 3, 'now')).toEqual([7, 8, 9]);
    // AS OF every LSN: between two versions of a row, the older is the answer.
    const expected: Record<string, number[]> = {
      'insert 3': [1, 2, 3],
      'insert 40': [1, 2, 3],
      'update 1': [2, 3, 4],
      'delete 2': [3, 4, 5],
      'update 3': [4, 5, 6],
      'delete 4': [5, 6, 7],
      'update 5': [6, 7, 8],
      'delete 6': [7, 8, 9],
    };
    for (const [what, at] of Object.entries(lsns)) {
      const s = await createTimeTravelSession(db, { asOf: lsn(at) });
      try {
        const got = await expectExact(s, Q, 3, `AS OF ${what} (${at})`);
        if (expected[what]) expect(got, `AS OF ${what}`).toEqual(expected[what]);
      } finally {
        await s.close();
      }
    }
    // In a transaction: its own writes over every layer.
    await db.transaction(async (tx) => {
      await tx.run('UPDATE d SET e = ? WHERE id = 7', [blob(moved(7))]);
      await tx.run('INSERT INTO d VALUES (100, ?)', [blob([0.001, 0])]);
      expect(await expectExact(tx, Q, 3, 'own writes')).toEqual([100, 8, 9]);
      throw new Error('rollback');
    }).catch((e: Error) => expect(e.message).toBe('rollback'));

    // A branch: row 7 deleted and row 8 moved on it — first in its memtable, then in its own SSTable.
    await db.branch('side');
    await db.checkout('side');
    await db.run('DELETE FROM d WHERE id = 7');
    await db.run('UPDATE d SET e = ? WHERE id = 8', [blob(moved(8))]);
    expect(await expectExact(db, Q, 3, 'branch, its memtable')).toEqual([9, 10, 11]);
    await engine.flush();
    await layerIndexesIdle(engine);
    expect(await expectExact(db, Q, 3, 'branch, its own SSTable')).toEqual([9, 10, 11]);
    await db.checkout('main');
    expect(await expectExact(db, Q, 3, 'main again')).toEqual([7, 8, 9]);
    await db.close();
  }, 60_000);
});

describe('index objects carry the next newer LSNs (format version 2)', () => {
  const id: VixIdentity = { file: 3, fileKey: 'sst/3.sst', branch: 0, index: 1, table: 2, columns: 2, dimensions: 2, metric: 'euclidean', m: 16, efConstruction: 64 };
  const data = { rowids: BigInt64Array.from([1n, 1n, 2n]), lsns: Float64Array.from([9, 5, 7]), newer: Float64Array.from([Infinity, 9, Infinity]), vectors: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const graph = new Uint8Array([1, 2, 3]);
  /** `bytes` with its u32 at `at` set to `v` and the checksum recomputed (as a writer of that content would). */
  const patched = (bytes: Uint8Array, at: number, v: number): Uint8Array => {
    const b = bytes.slice();
    putU32LE(b, at, v);
    putU32LE(b, b.length - 4, crc32c(b, 0, b.length - 4));
    return b;
  };
  it('round-trips, and an object of version 1 (no newer LSNs) or with a next newer LSN not above its own is refused, never misread', () => {
    expect(VIX_VERSION).toBe(2);
    const bytes = encodeVix(id, data, graph);
    const back = decodeVix(bytes, 'vix/x', id);
    expect([...back.data.newer]).toEqual([Infinity, 9, Infinity]);
    expect([...back.data.lsns]).toEqual([9, 5, 7]);
    expect([...back.graph]).toEqual([1, 2, 3]);
    expect(() => decodeVix(patched(bytes, 8, 1), 'vix/x', id)).toThrow(/vector index: corruption in vix\/x at offset 8.*unsupported version 1/);
    const bad = encodeVix(id, { ...data, newer: Float64Array.from([Infinity, 5, Infinity]) }, graph);
    expect(() => decodeVix(bad, 'vix/x', id)).toThrow(/entry 1: next newer LSN 5 is not above its LSN 5/);
  });
});
