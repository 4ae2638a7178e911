// Column names are data: any name is written, and its Parquet name is the one Iceberg's
// name-based readers compute (icebird's sanitize, Java Iceberg's makeCompatibleName for ASCII),
// unique in the file, never a system column's name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sanitize } from 'icebird/src/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { avroCompatibleName, parquetColumnNames } from './column-names.js';
import { KV_ICEBERG_SCHEMA } from './format.js';
import { bytesSource, openParquet, readParquetRows } from './parquet-reader.js';
import { initParquet, writeParquet } from './parquet-writer.js';
import type { ColumnarSchema } from './schema.js';
import { SYSTEM_COLUMNS, withSystemColumns } from '../cold/run-layout.js';

beforeAll(() => initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));

const ALPHABET = ['a', 'Z', '_', '0', '9', '.', '/', '-', ' ', '%', '\0', 'é', '日', '\u{1F600}', '\uD800', '"', 'x'];

function randomName(r: Prng): string {
  let s = '';
  for (let n = r.int(6); n > 0; n--) s += ALPHABET[r.int(ALPHABET.length)];
  return s;
}

describe('Parquet column names', () => {
  it('avroCompatibleName is icebird sanitize, and its results are fixed points', () => {
    const r = new Prng(5);
    for (let i = 0; i < 2000; i++) {
      const name = randomName(r);
      const p = avroCompatibleName(name);
      expect(p, JSON.stringify(name)).toBe(sanitize(name));
      expect(avroCompatibleName(p)).toBe(p);
    }
  });

  it('are unique (ignoring ASCII case), leave system columns alone and never take the reserved prefix', () => {
    const r = new Prng(9);
    for (let i = 0; i < 300; i++) {
      const seen = new Set<string>();
      const user = Array.from({ length: 1 + r.int(8) }, (_, k) => ({ name: randomName(r), fieldId: k + 1, type: 'string' as const, nullable: true })).filter((c) => {
        const fresh = !seen.has(c.name.toLowerCase());
        seen.add(c.name.toLowerCase());
        return fresh;
      });
      if (r.chance(0.3)) user.push({ name: '_dosql_lsn', fieldId: 99, type: 'string', nullable: true });
      const columns = withSystemColumns({ columns: user }).columns;
      const names = parquetColumnNames(columns);
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
      names.forEach((n, k) => {
        expect(avroCompatibleName(n)).toBe(n);
        if (k >= user.length) expect(n).toBe(columns[k]!.name);
        else expect(n.startsWith('_dosql_')).toBe(false);
      });
    }
    expect(parquetColumnNames([{ name: 'a/b', fieldId: 1, type: 'long', nullable: true }, { name: 'a_x2Fb', fieldId: 2, type: 'long', nullable: true }, { name: '', fieldId: 3, type: 'long', nullable: true }])).toEqual(['a_x2Fb', 'a_x2Fb_2', '_']);
  });

  it('any name is written and read back by field id; the file states its columns under their Parquet names', async () => {
    const odd = ['..', 'a/b', 'x.y', '', ' ', '%41', '日本', 'c'.repeat(300), '_dosql_lsn', '_dosql_mixed_1', 'a_x2Fb', '1st', 'Mixed Case'];
    const schema: ColumnarSchema = { columns: odd.map((name, i) => ({ name, fieldId: i + 1, type: i % 2 ? 'string' : 'long', nullable: true })) };
    const rows = [0, 1, 2].map((r) => schema.columns.map((c, i) => (c.type === 'long' ? BigInt(r * 100 + i) : i === 1 && r === 2 ? 7n : `v${r}.${i}`)));
    const withSys = withSystemColumns(schema);
    const full = rows.map((row, r) => [...row, BigInt(r), 0n, 1n]);
    const written = writeParquet(full, withSys);
    const file = await openParquet(bytesSource(written.bytes));
    const cols = file.stats.columns.map((c) => c.column);
    const byId = new Map(cols.filter((c) => c.fieldId !== null).map((c) => [c.fieldId!, c.name]));
    const kv = JSON.parse(file.stats.keyValue[KV_ICEBERG_SCHEMA]!) as { fields: { id: number; name: string }[] };
    for (const f of kv.fields) expect(f.name).toBe(byId.get(f.id));
    for (const s of SYSTEM_COLUMNS) expect(byId.get(s.fieldId)).toBe(s.name);
    const names = withSys.columns.map((c) => byId.get(c.fieldId)!);
    const { rows: back } = await readParquetRows(file, { columns: names });
    expect(back).toEqual(full);
  });
});
