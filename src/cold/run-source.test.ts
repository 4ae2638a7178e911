// Verified reads of columnar runs: every single-byte change anywhere in a run file, a short or a
// long object, is CORRUPTION naming the file and the offset of the damaged range — never other
// values — while an intact file reads back exactly what was written.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { readColumnarRun, writeColumnarRun, type RunFile, type RunRow } from './columnar-run.js';
import { initParquet } from '../columnar/parquet-writer.js';
import { readRowGroups, type OpenedParquet } from '../columnar/parquet-reader.js';
import { checkedRanges, parseCrcs } from '../columnar/run-checksums.js';
import { openRunFile, verifyWholeRun } from './run-source.js';
import type { ColumnarSchema } from '../columnar/schema.js';

beforeAll(() => initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));

const schema: ColumnarSchema = {
  columns: [
    { name: 'id', fieldId: 1, type: 'long', nullable: false },
    { name: 'name', fieldId: 2, type: 'string', nullable: true },
    { name: 'score', fieldId: 3, type: 'double', nullable: true },
  ],
};

function rows(n: number): RunRow[] {
  return Array.from({ length: n }, (_, i) => ({
    key: [BigInt(i)],
    lsn: 100 + i,
    ts: 1_700_000_000_000 + i,
    kind: 1 as const,
    values: [BigInt(i), i % 5 === 0 ? null : `name-${(i * 37) % 101}`, i / 4],
  }));
}

async function writeRun(n: number, rowGroupRows: number): Promise<{ store: MemoryObjectStore; file: RunFile; bytes: Uint8Array }> {
  const store = new MemoryObjectStore();
  const [file] = await writeColumnarRun(rows(n), { schema, keyColumns: ['id'], store, pathFor: () => 'runs/r.parquet', rowGroupRows });
  return { store, file: file!, bytes: (await store.get('runs/r.parquet'))!.data };
}

async function readAll(f: OpenedParquet): Promise<RunRow[]> {
  const out: RunRow[] = [];
  for await (const r of readColumnarRun(f)) out.push(r);
  return out;
}

function corruptionAt(e: unknown): number {
  if (!(e instanceof DoSQLError) || e.code !== 'CORRUPTION' || e.details?.file !== 'runs/r.parquet' || !e.message.includes('runs/r.parquet')) throw e;
  return e.details.offset as number;
}

describe('run checksums', () => {
  it('cut the file into ranges: the leading magic, each column chunk, the gaps, the footer', async () => {
    const { file, bytes } = await writeRun(500, 200);
    const { parquetMetadata } = await import('hyparquet');
    const md = parquetMetadata(bytes);
    const starts = checkedRanges(md, file.checksums.footerOffset, bytes.length, 'r');
    expect(starts.slice(0, 2)).toEqual([0, 4]);
    expect(starts[starts.length - 1]).toBe(file.checksums.footerOffset);
    expect(bytes.length - 8 - new DataView(bytes.buffer).getUint32(bytes.length - 8, true)).toBe(file.checksums.footerOffset);
    // 3 row groups of 6 column chunks (3 columns + 3 system columns) each start a range.
    const chunkStarts = md.row_groups.flatMap((rg) => rg.columns.map((c) => Number(c.meta_data!.dictionary_page_offset || c.meta_data!.data_page_offset)));
    expect(chunkStarts).toHaveLength(18);
    for (const s of chunkStarts) expect(starts).toContain(s);
    expect(parseCrcs(file.checksums, 'r')).toHaveLength(starts.length);
  });

  it('an intact run reads back exactly, and so does a run recorded without checksums (size checked only)', async () => {
    const { store, file } = await writeRun(300, 128);
    const want = rows(300);
    expect(await readAll(await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes, checksums: file.checksums }))).toEqual(want);
    expect(await readAll(await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes }))).toEqual(want);
    await expect(openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes + 1 })).rejects.toMatchObject({ code: 'CORRUPTION', details: { file: 'runs/r.parquet', offset: file.sizeBytes } });
  });

  it('every single-byte change anywhere in the file is CORRUPTION at the start of the range holding it', async () => {
    // (Reading every column decodes every page; verifyWholeRun reaches the bytes nothing decodes.)
    const { file, bytes } = await writeRun(60, 25);
    const { parquetMetadata } = await import('hyparquet');
    const starts = checkedRanges(parquetMetadata(bytes), file.checksums.footerOffset, bytes.length, 'r');
    const rangeStart = (at: number): number => starts.filter((s) => s <= at).pop()!;
    for (let at = 0; at < bytes.length; at++) {
      const store = new MemoryObjectStore();
      const damaged = bytes.slice();
      damaged[at] = damaged[at]! ^ (1 << at % 8);
      await store.put('runs/r.parquet', damaged);
      let offset: number | undefined;
      try {
        const f = await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes, checksums: file.checksums });
        await readAll(f);
        await verifyWholeRun(f); // the page indexes between the chunks and the footer are never read otherwise
      } catch (e) {
        offset = corruptionAt(e);
      }
      expect(offset, `byte ${at} changed`).toBe(rangeStart(at));
    }
  }, 60_000);

  it('a short or a long object is CORRUPTION at the end of the shorter one', async () => {
    const { file, bytes } = await writeRun(100, 50);
    for (const [what, data] of [
      ['truncated', bytes.subarray(0, bytes.length - 1)],
      ['empty', bytes.subarray(0, 0)],
      ['lengthened', new Uint8Array([...bytes, 0])],
    ] as const) {
      const store = new MemoryObjectStore();
      await store.put('runs/r.parquet', data);
      const err = await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes, checksums: file.checksums }).then(() => undefined, (e: unknown) => e);
      expect(corruptionAt(err), what).toBe(Math.min(data.length, bytes.length));
    }
  });

  it('reading some columns verifies those; verifyWholeRun finds damage in the others', async () => {
    const { file, bytes } = await writeRun(100, 100);
    const { parquetMetadata } = await import('hyparquet');
    const score = parquetMetadata(bytes).row_groups[0]!.columns[2]!.meta_data!;
    const at = Number(score.dictionary_page_offset || score.data_page_offset) + 3;
    const store = new MemoryObjectStore();
    const damaged = bytes.slice();
    damaged[at] = damaged[at]! ^ 1;
    await store.put('runs/r.parquet', damaged);
    const f = await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes, checksums: file.checksums });
    const ids: unknown[] = [];
    for await (const g of readRowGroups(f, { columns: ['id', 'name'] })) ids.push(...g.columns[0]!);
    expect(ids).toEqual(rows(100).map((r) => r.key[0]));
    await expect(readRowGroups(f, { columns: ['score'] }).next()).rejects.toMatchObject({ code: 'CORRUPTION' });
    expect(corruptionAt(await verifyWholeRun(f).then(() => undefined, (e: unknown) => e))).toBeLessThanOrEqual(at);
    await verifyWholeRun(await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes }));// unverified run: nothing to check
  });

  it('malformed checksums in the manifest entry are CORRUPTION, not a crash', async () => {
    const { store, file } = await writeRun(50, 50);
    for (const crc32c of ['xyz', '0123', file.checksums.crc32c.slice(8)]) {
      const err = await openRunFile(store, 'runs/r.parquet', { size: file.sizeBytes, checksums: { ...file.checksums, crc32c } }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'CORRUPTION', details: { file: 'runs/r.parquet' } });
    }
  });
});
