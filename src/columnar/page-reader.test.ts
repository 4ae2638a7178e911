// Reading part of a row group (readRowGroupRange, readRowGroupChunks, pageStarts): for files
// with several data pages per column chunk, NULLs, off-type values (shadow columns), integers
// beyond ±2^53 and blobs, every range read equals the same rows of the whole-group read
// (readRowGroups, the reader the rest of the tier already trusts), and the page starts the
// offset index gives are ascending, start at 0 and split the group.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { toHex } from '../util/bytes.js';
import { initParquet, writeParquet } from './parquet-writer.js';
import { bytesSource, openParquet, readRowGroupChunks, readRowGroupRange, readRowGroups } from './parquet-reader.js';
import { pageStarts } from './page-index.js';
import { chunkValue, type ColumnChunk } from './column-chunk.js';
import type { ColumnValue, ColumnarSchema } from './schema.js';

const wasm = readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));
beforeAll(() => initParquet(wasm));

const canon = (v: ColumnValue): string =>
  v === null ? 'null' : typeof v === 'bigint' ? `i:${v}` : typeof v === 'number' ? `r:${Object.is(v, -0) ? '-0' : String(v)}` : typeof v === 'string' ? `t:${v}` : `b:${toHex(v)}`;

const SCHEMA: ColumnarSchema = {
  columns: [
    { name: 'k', fieldId: 1, type: 'long', nullable: false },
    { name: 'n', fieldId: 2, type: 'long', nullable: true },
    { name: 'r', fieldId: 3, type: 'double', nullable: true },
    { name: 's', fieldId: 4, type: 'string', nullable: true },
    { name: 'b', fieldId: 5, type: 'binary', nullable: true },
  ],
};

function rows(seed: number, count: number): ColumnValue[][] {
  const r = new Prng(seed);
  const out: ColumnValue[][] = [];
  for (let i = 0; i < count; i++) {
    const nv = r.int(8) === 0 ? null : r.int(200) === 0 ? `off${r.int(5)}` : r.int(300) === 0 ? 2n ** 60n + BigInt(r.int(9)) : BigInt(r.int(100000) - 50000);
    const rv = r.int(9) === 0 ? null : r.int(400) === 0 ? BigInt(r.int(7)) : r.int(100000) / 16;
    const sv = r.int(6) === 0 ? null : `v${r.int(2500)}`;
    const bv = r.int(4) === 0 ? null : new Uint8Array([r.int(256), r.int(256)]);
    out.push([BigInt(i * 3), nv, rv, sv, bv]);
  }
  return out;
}

function valuesOf(d: ColumnChunk | ColumnValue[], count: number): string[] {
  return Array.from({ length: count }, (_, i) => canon(Array.isArray(d) ? d[i]! : chunkValue(d as ColumnChunk, i)));
}

describe('reading part of a row group', () => {
  for (const seed of [1, 2]) {
    it(`equals the whole-group read for every range (seed ${seed})`, async () => {
      const data = rows(seed, 50_000);
      const written = writeParquet(data, SCHEMA, { rowGroupRows: 45_000 });
      const file = await openParquet(bytesSource(written.bytes));
      const names = SCHEMA.columns.map((c) => c.name);
      const r = new Prng(seed + 10);
      for (const g of [0, 1]) {
        let whole: readonly ColumnValue[][] = [];
        for await (const x of readRowGroups(file, { rowGroups: [g], columns: names })) whole = x.columns;
        const n = file.stats.rowGroups[g]!.rowCount;
        let multiPage = false;
        for (const name of names) {
          const starts = await pageStarts(file, g, name);
          expect(starts[0]).toBe(0);
          for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
          expect(starts[starts.length - 1]!).toBeLessThan(n);
          if (starts.length > 1) multiPage = true;
          // Each page alone, as the cold reader reads it.
          const col = names.indexOf(name);
          for (let p = 0; p < starts.length; p++) {
            const end = p + 1 < starts.length ? starts[p + 1]! : n;
            const [d] = await readRowGroupChunks(file, g, [name], starts[p]!, end);
            expect(valuesOf(d!, end - starts[p]!)).toEqual(whole[col]!.slice(starts[p]!, end).map(canon));
          }
        }
        if (g === 0) expect(multiPage).toBe(true);
        // Random ranges, within a page and across page boundaries, every column at once.
        for (let k = 0; k < 12; k++) {
          const a = r.int(n);
          const b = Math.min(n, a + 1 + r.int(k % 2 ? 30 : 25_000));
          const range = await readRowGroupRange(file, g, names, a, b);
          const chunks = await readRowGroupChunks(file, g, names, a, b);
          names.forEach((_, c) => {
            const want = whole[c]!.slice(a, b).map(canon);
            expect(range[c]!.map(canon)).toEqual(want);
            expect(valuesOf(chunks[c]!, b - a)).toEqual(want);
          });
        }
      }
      await expect(readRowGroupChunks(file, 0, names, 10, 5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(readRowGroupRange(file, 2, names, 0, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }, 120_000);
  }
});
