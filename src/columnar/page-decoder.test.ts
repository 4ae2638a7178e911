// The page decoder (page-decoder.ts) against hyparquet's read of the same rows
// (readRowGroupChunks, the reader the rest of the tier trusts): for files with several data
// pages per chunk — dictionary pages, chunks whose dictionary overflowed into PLAIN or
// DELTA_BINARY_PACKED pages, unique keys delta-encoded with wide and negative deltas, NULLs,
// doubles, text with multi-byte characters — under each codec, every page it decodes and
// every whole chunk equal hyparquet's values; and it declines (undefined) what a typed chunk
// must not hold exactly: integers beyond ±2^53, off-type values kept in a shadow column, blobs.
// Every dictionary page read value by value (page-view.ts) holds the same values too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { toHex } from '../util/bytes.js';
import { initParquet, writeParquet, type ParquetCompression } from './parquet-writer.js';
import { bytesSource, openParquet, readRowGroupChunks, type OpenedParquet } from './parquet-reader.js';
import { pageIndex } from './page-index.js';
import { decodeColumnChunk, decodeDataPage, type ChunkPagesState } from './page-decoder.js';
import { viewDataPage } from './page-view.js';
import { chunkValue, type ColumnChunk } from './column-chunk.js';
import type { ColumnValue, ColumnarSchema } from './schema.js';

const wasm = readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));
beforeAll(() => initParquet(wasm));

const canon = (v: ColumnValue): string =>
  v === null ? 'null' : typeof v === 'bigint' ? `i:${v}` : typeof v === 'number' ? `r:${Object.is(v, -0) ? '-0' : String(v)}` : typeof v === 'string' ? `t:${v}` : `b:${toHex(v)}`;

const SCHEMA: ColumnarSchema = {
  columns: [
    { name: 'k', fieldId: 1, type: 'long', nullable: false },
    // Few distinct values: dictionary pages throughout.
    { name: 'small', fieldId: 2, type: 'long', nullable: true },
    // Many distinct values: the dictionary overflows, later pages are delta-encoded.
    { name: 'wide', fieldId: 3, type: 'long', nullable: true },
    { name: 'r', fieldId: 4, type: 'double', nullable: true },
    { name: 's', fieldId: 5, type: 'string', nullable: true },
    // Long distinct text: the dictionary overflows into PLAIN pages.
    { name: 'long_s', fieldId: 6, type: 'string', nullable: true },
    { name: 'huge', fieldId: 7, type: 'long', nullable: true },
    { name: 'mixed', fieldId: 8, type: 'long', nullable: true },
    { name: 'b', fieldId: 9, type: 'binary', nullable: true },
    { name: 'ts', fieldId: 10, type: 'timestamptz', nullable: false },
  ],
};

const DECODED = ['k', 'small', 'wide', 'r', 's', 'long_s', 'ts'];
const DECLINED = ['huge', 'mixed', 'b'];

function rows(seed: number, count: number): ColumnValue[][] {
  const r = new Prng(seed);
  const out: ColumnValue[][] = [];
  // Keys ascend from a negative start with jumps up to 2^31 (miniblocks wider than 24 bits).
  let k = -(2 ** 40);
  for (let i = 0; i < count; i++) {
    k += 1 + (r.int(50) === 0 ? r.int(2 ** 31) : r.int(40));
    const small = r.int(7) === 0 ? null : BigInt(r.int(20) - 10);
    const wide = r.int(9) === 0 ? null : BigInt(r.int(2 ** 31)) * (r.int(2) ? 1n : -1n) * 1000n;
    const rv = r.int(9) === 0 ? null : r.int(3) === 0 ? -r.int(100000) / 16 : r.int(100000) / 7;
    const sv = r.int(6) === 0 ? null : `v${r.int(300)}${r.int(5) === 0 ? 'é漢' : ''}`;
    const ls = r.int(11) === 0 ? null : `${'x'.repeat(40)}${r.int(1_000_000_000)}🙂`;
    const huge = r.int(3) === 0 ? null : r.int(50) === 0 ? 2n ** 60n + BigInt(r.int(9)) : BigInt(r.int(1000));
    const mixed = r.int(5) === 0 ? null : r.int(100) === 0 ? `off${r.int(3)}` : BigInt(r.int(1000));
    const bv = r.int(4) === 0 ? null : new Uint8Array([r.int(256), r.int(256)]);
    const ts = 978_307_200_000_000n + BigInt(i) * 60_000_000n;
    out.push([BigInt(k), small, wide, rv, sv, ls, huge, mixed, bv, ts]);
  }
  return out;
}

const valuesOf = (d: ColumnChunk | ColumnValue[], count: number): string[] =>
  Array.from({ length: count }, (_, i) => canon(Array.isArray(d) ? d[i]! : chunkValue(d as ColumnChunk, i)));

/** The first row where two decodings differ, with both values ('' when none): small diffs for large pages. */
function firstDifference(a: readonly string[], b: readonly string[]): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `row ${i}: ${a[i]} vs ${b[i]}`;
  return '';
}

async function checkFile(file: OpenedParquet): Promise<{ pages: number; views: number; multiPage: Set<string>; encodings: Set<string> }> {
  let pages = 0;
  let views = 0;
  const multiPage = new Set<string>();
  const encodings = new Set<string>();
  for (let g = 0; g < file.stats.rowGroups.length; g++) {
    const n = file.stats.rowGroups[g]!.rowCount;
    for (const c of file.metadata.row_groups[g]!.columns) for (const e of c.meta_data!.encodings) encodings.add(`${c.meta_data!.path_in_schema[0]}:${e}`);
    for (const name of SCHEMA.columns.map((c) => c.name)) {
      const index = await pageIndex(file, g, name);
      expect(index.pages?.length).toBe(index.starts.length);
      if (index.starts.length > 1) multiPage.add(name);
      const state: ChunkPagesState = {};
      for (let p = 0; p < index.starts.length; p++) {
        const start = index.starts[p]!;
        const end = p + 1 < index.starts.length ? index.starts[p + 1]! : n;
        const fast = await decodeDataPage(file, g, name, { ...index.pages![p]!, rows: end - start }, state);
        if (DECLINED.includes(name)) {
          expect(fast, `${name} page ${p}`).toBeUndefined();
          continue;
        }
        expect(fast, `${name} page ${p} of group ${g}`).toBeDefined();
        const [slow] = await readRowGroupChunks(file, g, [name], start, end);
        expect(firstDifference(valuesOf(fast!, end - start), valuesOf(slow!, end - start))).toBe('');
        pages++;
        // A dictionary page read value by value (page-view.ts) holds the same values.
        const view = await viewDataPage(file, g, name, { ...index.pages![p]!, rows: end - start }, state);
        if (view) {
          const got = Array.from({ length: end - start }, (_, r) => canon(view.value(r)));
          expect(firstDifference(got, valuesOf(slow!, end - start)), `${name} page ${p} of group ${g} as a view`).toBe('');
          views++;
        }
      }
      const whole = await decodeColumnChunk(file, g, name);
      if (DECLINED.includes(name)) expect(whole).toBeUndefined();
      else {
        const [slow] = await readRowGroupChunks(file, g, [name], 0, n);
        expect(firstDifference(valuesOf(whole!, n), valuesOf(slow!, n))).toBe('');
      }
    }
  }
  return { pages, views, multiPage, encodings };
}

describe('page decoder', () => {
  for (const compression of ['zstd', 'snappy', 'none'] as ParquetCompression[]) {
    it(`equals hyparquet's values page by page and chunk by chunk (${compression})`, async () => {
      const data = rows(compression.length, 48_000);
      const written = writeParquet(data, SCHEMA, { rowGroupRows: 45_000, compression, keyFieldIds: [1] });
      const file = await openParquet(bytesSource(written.bytes));
      const { pages, views, multiPage, encodings } = await checkFile(file);
      expect(pages).toBeGreaterThan(DECODED.length * 2);
      expect(views).toBeGreaterThan(4);
      for (const name of ['k', 's', 'long_s']) expect(multiPage.has(name), name).toBe(true);
      // The layouts the decoder must take all occur: delta keys, dictionaries, overflow into PLAIN and delta.
      for (const e of ['k:DELTA_BINARY_PACKED', 'small:RLE_DICTIONARY', 'wide:RLE_DICTIONARY', 'long_s:PLAIN', 's:RLE_DICTIONARY']) expect(encodings.has(e), e).toBe(true);
    }, 120_000);
  }

  it('decodes a nullable integer column whose dictionary overflowed into delta-encoded pages', async () => {
    const r = new Prng(9);
    const schema: ColumnarSchema = { columns: [{ name: 'wide', fieldId: 1, type: 'long', nullable: true }] };
    // More distinct 8-byte values than a 1 MiB dictionary page holds.
    const data = Array.from({ length: 150_000 }, () => [r.int(9) === 0 ? null : BigInt(r.int(2 ** 31)) * (r.int(2) ? 1n : -1n) * 977n]);
    const file = await openParquet(bytesSource(writeParquet(data, schema, { rowGroupRows: 150_000 }).bytes));
    expect(file.metadata.row_groups[0]!.columns[0]!.meta_data!.encodings).toContain('DELTA_BINARY_PACKED');
    const n = file.stats.rowGroups[0]!.rowCount;
    const whole = await decodeColumnChunk(file, 0, 'wide');
    expect(whole).toBeDefined();
    const [slow] = await readRowGroupChunks(file, 0, ['wide'], 0, n);
    expect(firstDifference(valuesOf(whole!, n), valuesOf(slow!, n))).toBe('');
  }, 120_000);
});
