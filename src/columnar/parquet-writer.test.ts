// Round trip rows -> Parquet -> rows, with DuckDB as the independent Parquet oracle for
// values, field ids and statistics, and row-group pruning checked against the data.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { toHex } from '../util/bytes.js';
import { initParquet, writeParquet } from './parquet-writer.js';
import { bytesSource, openParquet, plannedRowGroups, readParquetColumns, readParquetRows } from './parquet-reader.js';
import { columnStats } from './parquet-stats.js';
import { encodeShadow, fitsType } from './shadow-codec.js';
import type { ColumnType, ColumnValue, ColumnarSchema } from './schema.js';
import { compareValues } from './value-order.js';
import type { StatsPredicate } from './row-group-pruning.js';

const wasm = readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'));
let dir: string;
let duck: DuckDBConnection;

beforeAll(async () => {
  initParquet(wasm);
  dir = mkdtempSync(join(tmpdir(), 'dosql-columnar-'));
  duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A value rendered so that -0, NaN, 1 vs 1.0 and bytes all compare exactly. */
function canon(v: ColumnValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `i:${v}`;
  if (typeof v === 'number') return `r:${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'string') return `t:${JSON.stringify(v)}`;
  return `b:${toHex(v)}`;
}
const canonRows = (rows: readonly (readonly ColumnValue[])[]): string[][] => rows.map((r) => r.map(canon));

const LONGS = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 2n ** 53n + 1n];
const DOUBLES = [-0, 0, 1, 1.5, -2.25, Infinity, -Infinity, NaN, Number.MAX_VALUE, Number.MIN_VALUE, 1e-300];
const STRINGS = ['', 'a', 'é', '日本語', '😀 emoji', 'a\u0000b', 'line\nbreak', 'Z'.repeat(300)];

function randomValue(rng: Prng, type: ColumnType): ColumnValue {
  switch (type) {
    case 'long':
      return rng.chance(0.3) ? rng.pick(LONGS) : BigInt.asIntN(64, (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32)));
    case 'double':
      return rng.chance(0.3) ? rng.pick(DOUBLES) : (rng.next() - 0.5) * 10 ** rng.int(20);
    case 'string':
      return rng.chance(0.5) ? rng.pick(STRINGS) : Array.from({ length: rng.int(12) }, () => String.fromCodePoint(rng.pick([0x61 + rng.int(26), 0x3b1 + rng.int(20), 0x1f600 + rng.int(50)]))).join('');
    case 'binary':
      return rng.bytes(rng.int(20));
    case 'timestamptz':
      return BigInt(rng.int(2 ** 31)) * 1_000_000n + BigInt(rng.int(1_000_000)) - 2n ** 50n;
  }
}

const TYPES: ColumnType[] = ['long', 'double', 'string', 'binary', 'timestamptz'];

function randomTable(seed: number, n: number, mixed: boolean): { schema: ColumnarSchema; rows: ColumnValue[][] } {
  const rng = new Prng(seed);
  const schema: ColumnarSchema = {
    columns: [
      { name: 'id', fieldId: 1, type: 'long', nullable: false },
      ...TYPES.map((type, i) => ({ name: `c_${type}`, fieldId: 10 + i, type, nullable: true })),
    ],
  };
  const rows = Array.from({ length: n }, (_, r) =>
    schema.columns.map((c, i): ColumnValue => {
      if (i === 0) return BigInt(r);
      if (rng.chance(0.15)) return null;
      const type = mixed && rng.chance(0.1) ? rng.pick(TYPES) : c.type;
      return randomValue(rng, type);
    }),
  );
  return { schema, rows };
}

/** What a reader without our shadow columns sees: typed columns, then the shadow columns. */
function physicalRows(schema: ColumnarSchema, rows: ColumnValue[][], shadowed: number[]): ColumnValue[][] {
  return rows.map((row) => [
    ...row.map((v, c) => (fitsType(v, schema.columns[c]!.type) ? v : null)),
    ...shadowed.map((c) => (row[c] === null || fitsType(row[c]!, schema.columns[c]!.type) ? null : encodeShadow(row[c]!))),
  ]);
}

/** DuckDB's text for a double statistic. */
function duckDouble(v: ColumnValue | undefined): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

async function duckRows(path: string): Promise<ColumnValue[][]> {
  const r = await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  return r.getRows().map((row) =>
    row.map((v): ColumnValue => {
      if (v === null || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string') return v;
      if (typeof v === 'object' && 'bytes' in v) return new Uint8Array((v as { bytes: Uint8Array }).bytes);
      if (typeof v === 'object' && 'micros' in v) return (v as { micros: bigint }).micros;
      throw new Error(`unexpected DuckDB value ${String(v)}`);
    }),
  );
}

describe('parquet round trip', () => {
  for (const [seed, mixed] of [[1, false], [2, true], [3, true], [4, false]] as const) {
    it(`random rows (seed ${seed}, mixed=${mixed}) come back identical, and DuckDB reads the same file`, async () => {
      const { schema, rows } = randomTable(seed, 1500, mixed);
      const written = writeParquet(rows, schema, { rowGroupRows: 400 });
      const file = await openParquet(bytesSource(written.bytes));
      expect(file.stats.rowGroups.map((g) => g.rowCount)).toEqual([400, 400, 400, 300]);
      const back = await readParquetRows(file);
      expect(canonRows(back.rows)).toEqual(canonRows(rows));
      const cols = await readParquetColumns(file, { columns: ['c_double', 'id'] });
      expect(cols.columns[1]!.map(canon)).toEqual(rows.map((r) => canon(r[0]!)));
      expect(cols.columns[0]!.map(canon)).toEqual(rows.map((r) => canon(r[2]!)));

      const shadowed = written.columns.flatMap((c) => (c.shadowOf === undefined ? [] : [schema.columns.findIndex((d) => d.fieldId === c.shadowOf)]));
      expect(shadowed.length > 0).toBe(mixed);
      const path = join(dir, `rt-${seed}.parquet`);
      writeFileSync(path, written.bytes);
      expect(canonRows(await duckRows(path))).toEqual(canonRows(physicalRows(schema, rows, shadowed)));

      const ids = (await duck.runAndReadAll(`SELECT name, field_id::INTEGER FROM parquet_schema('${path}') WHERE name <> 'arrow_schema'`)).getRows();
      expect(ids).toEqual([
        ...schema.columns.map((c) => [c.name, c.fieldId]),
        ...shadowed.map((c) => [`_dosql_mixed_${schema.columns[c]!.fieldId}`, null]),
      ]);
      const kv = (await duck.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${path}')`)).getRows();
      const kvMap = new Map(kv.map(([k, v]) => [k as string, v as string]));
      expect(kvMap.get('dosql.format')).toBe('dosql-columnar');
      expect(kvMap.get('dosql.format.version')).toBe('1');
      expect(JSON.parse(kvMap.get('iceberg.schema')!)).toEqual({
        type: 'struct',
        'schema-id': 0,
        fields: schema.columns.map((c) => ({ id: c.fieldId, name: c.name, required: !c.nullable, type: c.type })),
      });
    });
  }

  it('statistics match DuckDB parquet_metadata and the data itself', async () => {
    const { schema, rows } = randomTable(7, 2000, false);
    const written = writeParquet(rows, schema, { rowGroupRows: 500 });
    const path = join(dir, 'stats.parquet');
    writeFileSync(path, written.bytes);
    const stats = columnStats(written.bytes);
    const meta = (
      await duck.runAndReadAll(
        `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count, num_values, total_compressed_size
         FROM parquet_metadata('${path}') ORDER BY row_group_id, column_id`,
      )
    ).getRowObjects();
    let doubleChecked = 0;
    expect(stats.recordCount).toBe(2000);
    expect(stats.fileSizeInBytes).toBe(written.bytes.byteLength);
    for (const m of meta) {
      const g = stats.rowGroups[Number(m.row_group_id)]!;
      const c = stats.columns.findIndex((x) => x.column.name === m.path_in_schema);
      const s = g.columns[c]!;
      expect(s.nullCount).toBe(Number(m.stats_null_count));
      expect(s.valueCount).toBe(Number(m.num_values));
      expect(s.compressedBytes).toBe(Number(m.total_compressed_size));
      const type = stats.columns[c]!.column.type;
      if (type === 'long') expect([String(s.min), String(s.max)]).toEqual([m.stats_min_value, m.stats_max_value]);
      // DuckDB reports NULL for an infinite double statistic (and for chunks with NaN); compare the rest.
      if (type === 'double') {
        if (m.stats_min_value !== null) expect(duckDouble(s.min)).toBe(m.stats_min_value);
        if (m.stats_max_value !== null) expect(duckDouble(s.max)).toBe(m.stats_max_value);
        if (m.stats_min_value !== null || m.stats_max_value !== null) doubleChecked++;
      }
      if (type === 'string') expect([s.min, s.max]).toEqual([m.stats_min_value, m.stats_max_value]);
      // min/max against the data itself (NaN is excluded from Parquet float statistics).
      const values = rows.slice(g.firstRow, g.firstRow + g.rowCount).map((r) => r[c]!).filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
      values.sort(compareValues);
      expect(compareValues(s.min!, values[0]!)).toBe(0);
      expect(compareValues(s.max!, values[values.length - 1]!)).toBe(0);
    }
    // A column without NaN or infinities gets DuckDB statistics in full.
    const plain: ColumnarSchema = { columns: [{ name: 'd', fieldId: 1, type: 'double', nullable: true }] };
    const dpath = join(dir, 'doubles.parquet');
    writeFileSync(dpath, writeParquet([[-0.5], [null], [2.5], [1e300]], plain).bytes);
    const dm = (await duck.runAndReadAll(`SELECT stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('${dpath}')`)).getRows();
    const ds = columnStats(readFileSync(dpath)).rowGroups[0]!.columns[0]!;
    expect(dm).toEqual([[duckDouble(ds.min), duckDouble(ds.max), BigInt(ds.nullCount!)]]);
    expect([ds.min, ds.max]).toEqual([-0.5, 1e300]);
    console.log(`double row groups with DuckDB statistics among the random ones: ${doubleChecked} of 4`);
    const total = stats.columns.map((c) => [c.column.fieldId, c.valueCount, c.nullValueCount]);
    expect(total).toEqual(schema.columns.map((c, i) => [c.fieldId, 2000, rows.filter((r) => r[i] === null).length]));
    expect(stats.columns[0]!.lowerBound).toBe(0n);
    expect(stats.columns[0]!.upperBound).toBe(1999n);
    expect(written.nanCounts.get(11)).toBe(rows.filter((r) => typeof r[2] === 'number' && Number.isNaN(r[2])).length);
    expect(stats.splitOffsets.length).toBe(4);
  });

  it('row-group pruning skips exactly the groups whose statistics exclude the predicate', async () => {
    const schema: ColumnarSchema = {
      columns: [
        { name: 'id', fieldId: 1, type: 'long', nullable: false },
        { name: 'name', fieldId: 2, type: 'string', nullable: true },
        { name: 'score', fieldId: 3, type: 'double', nullable: true },
      ],
    };
    const rows = Array.from({ length: 1000 }, (_, i): ColumnValue[] => [BigInt(i), `n${String(i).padStart(4, '0')}`, i / 2]);
    rows[950]![2] = 'not a number'; // a shadow value in the last group
    const file = await openParquet(bytesSource(writeParquet(rows, schema, { rowGroupRows: 100 }).bytes));
    const groups = async (where: StatsPredicate[]): Promise<number[]> => (await readParquetRows(file, { where })).rowGroupsRead;
    expect(await groups([{ column: 'id', op: '=', value: 250n }])).toEqual([2]);
    expect(await groups([{ column: 'id', op: '>=', value: 801n }])).toEqual([8, 9]);
    expect(await groups([{ column: 'id', op: '<', value: 100n }])).toEqual([0]);
    expect(await groups([{ column: 'id', op: '<', value: 100.5 }])).toEqual([0, 1]); // REAL literal against INTEGER, exact
    expect(await groups([{ column: 'id', op: '>', value: 2n ** 62n }])).toEqual([]);
    expect(await groups([{ column: 'name', op: '=', value: 'n0420' }])).toEqual([4]);
    expect(await groups([{ column: 'id', op: '>=', value: 300n }, { column: 'id', op: '<', value: 500n }])).toEqual([3, 4]);
    expect(await groups([{ column: 'id', op: '=', value: null }])).toEqual([]);
    expect(await groups([{ column: 'id', op: '=', value: 'text' }])).toHaveLength(10); // other class: no pruning
    // score > 1000 matches no number, but group 9 holds a text value in the shadow column.
    expect(await groups([{ column: 'score', op: '>', value: 1000 }])).toEqual([9]);
    expect(plannedRowGroups(file, { rowGroups: [1, 2, 3], where: [{ column: 'id', op: '<=', value: 200n }] })).toEqual([1, 2]);
    const { rows: got } = await readParquetRows(file, { where: [{ column: 'id', op: '=', value: 250n }], columns: ['name'] });
    expect(got).toHaveLength(100);
    expect(got[50]).toEqual(['n0250']);
  });

  it('rejects NULL in a non-nullable column, out-of-range integers and reserved field ids', () => {
    const schema: ColumnarSchema = { columns: [{ name: 'id', fieldId: 1, type: 'long', nullable: false }] };
    expect(() => writeParquet([[null]], schema)).toThrow(/NULL in non-nullable column "id"/);
    expect(() => writeParquet([[2n ** 63n]], schema)).toThrow(/outside the signed 64-bit range/);
    expect(() => writeParquet([[1n]], { columns: [{ name: 'x', fieldId: 2147483446, type: 'long', nullable: true }] })).toThrow(/field ids/);
  });

  it('reports size and throughput for a 300k-row, 6-column table (ZSTD)', async () => {
    const n = 300_000;
    const schema: ColumnarSchema = {
      columns: [
        { name: 'id', fieldId: 1, type: 'long', nullable: false },
        { name: 'price', fieldId: 2, type: 'double', nullable: true },
        { name: 'name', fieldId: 3, type: 'string', nullable: true },
        { name: 'qty', fieldId: 4, type: 'long', nullable: true },
        { name: 'note', fieldId: 5, type: 'string', nullable: true },
        { name: 'blob', fieldId: 6, type: 'binary', nullable: true },
      ],
    };
    const rows = Array.from({ length: n }, (_, i): ColumnValue[] => [
      BigInt(i) * 3n - 1000n,
      i % 97 === 0 ? null : i * 0.25,
      i % 50 === 0 ? null : `customer-${i % 5000}`,
      i % 7 === 0 ? null : BigInt(i % 1000),
      i % 11 === 0 ? null : `note ${i % 13}`,
      i % 3 === 0 ? null : new Uint8Array([i & 255, (i >> 8) & 255]),
    ]);
    let t = performance.now();
    const written = writeParquet(rows, schema, { rowGroupRows: 65_536 });
    const writeMs = performance.now() - t;
    t = performance.now();
    const file = await openParquet(bytesSource(written.bytes));
    const back = await readParquetColumns(file);
    const readMs = performance.now() - t;
    expect(back.columns[0]).toHaveLength(n);
    expect(back.columns[2]![1]).toBe('customer-1');
    expect(file.stats.rowGroups).toHaveLength(5);
    console.log(
      `columnar 300k x 6: ZSTD file ${written.bytes.byteLength} bytes; write ${writeMs.toFixed(0)} ms ` +
        `(${(n / writeMs / 1000).toFixed(2)} M rows/s); read all columns ${readMs.toFixed(0)} ms (${(n / readMs / 1000).toFixed(2)} M rows/s)`,
    );
  });
});
