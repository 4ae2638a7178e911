// A columnar run file's point read (ColdFileReader.seekFirst, the closure-free path) finds
// exactly what its iterator's seek finds, for any target: a user key present or absent, with a
// snapshot trailer or bare, between two row groups (the answer is the next group's first row),
// before the first row and past the last one; on a cold reader (groups and pages loading) and
// a warm one (everything decoded).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParquet } from '../columnar/parquet-writer.js';
import type { ColumnarSchema, ColumnValue } from '../columnar/schema.js';
import type { ColdFileInfo, FileMeta } from '../manifest/manifest-format.js';
import { makeInternalKey } from '../mvcc/internal-key.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { Prng } from '../util/prng.js';
import type { ColdCodec } from './cold-codec.js';
import { ColdFileReader } from './cold-file-reader.js';
import { GroupCache } from './cold-group.js';
import { writeColumnarRun, type RunRow } from './columnar-run.js';

beforeAll(() => initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));

const schema: ColumnarSchema = {
  columns: [
    { name: 'id', fieldId: 1, type: 'long', nullable: false },
    { name: 'amount', fieldId: 2, type: 'double', nullable: true },
    { name: 'memo', fieldId: 3, type: 'string', nullable: true },
  ],
};

const enc = new TextEncoder();
/** User key of id: fixed width, so byte order is id order. */
const uk = (id: bigint | number): Uint8Array => enc.encode(`k${String(id).padStart(8, '0')}`);

const codec: ColdCodec = {
  plan: () => Promise.reject(new Error('not used')),
  decoder: () => ({
    userKey: (row: readonly ColumnValue[]) => uk(row[0] as bigint),
    value: (row: readonly ColumnValue[]) => enc.encode(JSON.stringify(row.map((v) => (typeof v === 'bigint' ? `${v}n` : v)))),
  }),
};

/** Versions of even ids 0, 2, ... (odd ids are absent), 1-3 versions each, some tombstones. */
function versions(keys: number, rng: Prng): RunRow[] {
  const out: RunRow[] = [];
  for (let k = 0; k < keys; k++) {
    const id = BigInt(2 * k);
    let lsn = 1000 + rng.int(100);
    for (let v = 1 + rng.int(3); v > 0; v--) {
      const del = rng.chance(0.1);
      out.push({ key: [id], lsn, ts: lsn, kind: del ? 0 : 1, values: del ? null : [id, rng.chance(0.2) ? null : rng.int(1000) / 4, `m${rng.int(50)}`] });
      lsn -= 1 + rng.int(20);
    }
  }
  return out;
}

const show = (e: SSTableEntry | null): unknown => e && { key: Buffer.from(e.key).toString('hex'), value: new TextDecoder().decode(e.value) };

describe('ColdFileReader.seekFirst', () => {
  it('finds what the iterator seek finds for every kind of target, cold and warm', async () => {
    const rng = new Prng(17);
    const store = new MemoryObjectStore();
    const keys = 900;
    const rows = versions(keys, rng);
    const [file] = await writeColumnarRun(rows, { schema, keyColumns: ['id'], store, pathFor: () => 'cold/t/run-1.parquet', rowGroupRows: 97 });
    const ikeys = rows.map((r) => makeInternalKey(uk(r.key[0] as bigint), r.lsn, r.kind));
    const info: ColdFileInfo = {
      table: 1,
      layout: 'test',
      rowGroupRows: 97,
      groupKeys: file!.stats.rowGroups.map((g) => ikeys[g.firstRow]!),
      newestRows: keys,
      shadowFieldIds: [],
    };
    expect(info.groupKeys.length).toBeGreaterThan(5);
    const meta = { key: file!.path, size: file!.sizeBytes } as FileMeta;
    const open = (): Promise<ColdFileReader> => ColdFileReader.open(store, meta, info, codec, new GroupCache(1 << 30));
    const targets: Uint8Array[] = [];
    // The last row of each group with a snapshot older than it: the answer is the next group's first row.
    for (const g of file!.stats.rowGroups) {
      const last = rows[g.firstRow + g.rowCount - 1]!;
      targets.push(makeInternalKey(uk(last.key[0] as bigint), last.lsn - 1, 1), uk((last.key[0] as bigint) + 1n));
    }
    targets.push(uk(2 * keys + 5), makeInternalKey(uk(2 * keys - 2), 0, 0), uk(0), new Uint8Array(0));
    for (let t = 0; t < 300; t++) {
      const id = rng.int(2 * keys + 4);
      targets.push(rng.chance(0.3) ? uk(id) : makeInternalKey(uk(id), 900 + rng.int(250), 1));
    }
    const expected: unknown[] = [];
    const ref = await open();
    for (const t of targets) {
      const it = ref.iterator();
      await it.seek(t);
      expected.push(show(it.valid() ? { key: it.key(), value: it.value() } : null));
    }
    expect(expected.filter((e) => e === null).length).toBeGreaterThan(0);
    // Cold: every target on a fresh reader (its group and pages load), then warm on one reader.
    for (let t = 0; t < targets.length; t += 7) expect(show(await (await open()).seekFirst(targets[t]!))).toEqual(expected[t]);
    const warm = await open();
    for (let pass = 0; pass < 2; pass++) for (let t = 0; t < targets.length; t++) expect(show(await warm.seekFirst(targets[t]!))).toEqual(expected[t]);
  });
});
