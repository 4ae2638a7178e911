// Columnar runs: sorted versions -> Parquet files cut at a target size -> the same versions back.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { Prng } from '../util/prng.js';
import { readColumnarRun, writeColumnarRun, type RunRow } from './columnar-run.js';
import { runLayout } from './run-layout.js';
import { initParquet } from '../columnar/parquet-writer.js';
import { objectStoreSource, openParquet, plannedRowGroups } from '../columnar/parquet-reader.js';
import type { ColumnarSchema, ColumnValue } from '../columnar/schema.js';

beforeAll(() => initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));

const schema: ColumnarSchema = {
  columns: [
    { name: 'region', fieldId: 1, type: 'string', nullable: false },
    { name: 'id', fieldId: 2, type: 'long', nullable: false },
    { name: 'amount', fieldId: 3, type: 'double', nullable: false },
    { name: 'memo', fieldId: 4, type: 'string', nullable: true },
  ],
};

/** Versions of ~n keys in run order: key ascending, LSN descending; some tombstones, some mixed types. */
function versions(n: number, seed: number): RunRow[] {
  const rng = new Prng(seed);
  const out: RunRow[] = [];
  for (let k = 0; k < n; k++) {
    const key: ColumnValue[] = [`r${String(Math.floor(k / 100)).padStart(3, '0')}`, BigInt(k % 100)];
    const count = 1 + rng.int(3);
    let lsn = 10_000 + rng.int(1000);
    for (let v = 0; v < count; v++) {
      const del = v === 0 && rng.chance(0.1);
      const memo: ColumnValue = rng.chance(0.2) ? null : rng.chance(0.05) ? 42n : `memo ${k}/${v} ${'x'.repeat(rng.int(40))}`;
      out.push({
        key,
        lsn,
        ts: 1_700_000_000_000 + lsn,
        kind: del ? 0 : 1,
        values: del ? null : [key[0]!, key[1]!, rng.next() * 100, memo],
      });
      lsn -= 1 + rng.int(5);
    }
  }
  return out;
}

async function* slowly(rows: RunRow[]): AsyncGenerator<RunRow> {
  for (const r of rows) yield r;
}

describe('columnar runs', () => {
  it('cuts files at key boundaries near the target size and reads every version back in order', async () => {
    const store = new MemoryObjectStore();
    const rows = versions(3000, 5);
    const files = await writeColumnarRun(slowly(rows), {
      schema,
      keyColumns: ['region', 'id'],
      store,
      pathFor: (i) => `cold/t1/run-000001-${String(i).padStart(5, '0')}.parquet`,
      targetFileBytes: 40_000,
      rowGroupRows: 200,
    });
    expect(files.length).toBeGreaterThan(2);
    console.log(`run of ${rows.length} versions -> ${files.length} files, sizes ${files.map((f) => f.sizeBytes).join(', ')}`);
    expect(files.reduce((a, f) => a + f.rowCount, 0)).toBe(rows.length);
    const back: RunRow[] = [];
    for (const f of files) {
      const opened = await openParquet(await objectStoreSource(store, f.path));
      expect(runLayout(opened).keyColumns).toEqual(['region', 'id']);
      expect(f.stats.recordCount).toBe(f.rowCount);
      for await (const r of readColumnarRun(opened)) back.push(r);
    }
    expect(back).toEqual(rows);
    for (let i = 1; i < files.length; i++) {
      // A key's versions never straddle two files.
      expect(files[i - 1]!.maxKey).not.toEqual(files[i]!.minKey);
    }
    const lsns = rows.map((r) => r.lsn);
    expect(Math.min(...files.map((f) => f.minLsn))).toBe(Math.min(...lsns));
    expect(Math.max(...files.map((f) => f.maxLsn))).toBe(Math.max(...lsns));
    expect(files[0]!.minKey).toEqual(rows[0]!.key);
    // Pruning by the first key column reads only the matching row groups.
    const last = files[files.length - 1]!;
    const opened = await openParquet(await objectStoreSource(store, last.path));
    const region = last.maxKey[0]!;
    const hits: RunRow[] = [];
    for await (const r of readColumnarRun(opened, { where: [{ column: 'region', op: '=', value: region }] })) hits.push(r);
    expect(hits.filter((r) => r.key[0] === region)).toEqual(rows.filter((r) => r.key[0] === region));
    const planned = plannedRowGroups(opened, { where: [{ column: 'region', op: '=', value: region }] });
    expect(planned.length).toBeLessThan(opened.stats.rowGroups.length);
    expect(hits.length).toBe(planned.reduce((a, g) => a + opened.stats.rowGroups[g]!.rowCount, 0));
  });

  it('rejects unsorted input, keys that disagree with the row, and existing paths', async () => {
    const store = new MemoryObjectStore();
    const opts = { schema, keyColumns: ['region', 'id'], store, pathFor: (i: number) => `x/${i}.parquet` };
    const put = (id: bigint, lsn: number): RunRow => ({ key: ['a', id], lsn, ts: 0, kind: 1, values: ['a', id, 1.5, null] });
    await expect(writeColumnarRun([put(2n, 5), put(1n, 5)], opts)).rejects.toThrow(/sorted by key ascending/);
    await expect(writeColumnarRun([put(1n, 5), put(1n, 6)], opts)).rejects.toThrow(/LSN descending/);
    await expect(writeColumnarRun([{ ...put(1n, 5), key: ['a', 1] }], opts)).rejects.toThrow(/differs from column/);
    await writeColumnarRun([put(1n, 5)], opts);
    await expect(writeColumnarRun([put(1n, 5)], opts)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });
});
