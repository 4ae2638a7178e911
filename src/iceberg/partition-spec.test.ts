// Day partitions: the transform (floor division, pre-1970, NULL), the Hive path label, and a
// partitioned manifest read back by avsc (an independent Avro decoder) and by dosql's reader.
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { bigintLong } from '../../test/support/avsc-bigint.js';
import { decodeManifest } from './manifest-reader.js';
import { encodeManifest, type ManifestEntry } from './manifest-writer.js';
import { dayLabel, dayOfMicros, daySpec, partitionSummaries } from './partition-spec.js';
import { decodeBound } from './bounds.js';
import { ManifestEntryStatus } from './schemas.js';

const DAY = 86_400_000_000n;

describe('day partitions', () => {
  it('day transform: floor division by a day, negative before 1970, NULL stays NULL', () => {
    expect(dayOfMicros(0n)).toBe(0);
    expect(dayOfMicros(DAY - 1n)).toBe(0);
    expect(dayOfMicros(DAY)).toBe(1);
    expect(dayOfMicros(-1n)).toBe(-1);
    expect(dayOfMicros(-DAY)).toBe(-1);
    expect(dayOfMicros(-DAY - 1n)).toBe(-2);
    expect(dayOfMicros(null)).toBeNull();
    // 2001-09-09T01:46:40Z = 1e9 s.
    expect(dayOfMicros(1_000_000_000_000_000n)).toBe(11574);
    expect(dayLabel(11574)).toBe('2001-09-09');
    expect(dayLabel(-1)).toBe('1969-12-31');
    expect(dayLabel(null)).toBe('null');
  });

  it('a partitioned manifest decodes in avsc and in dosql with its partition values; summaries bound them', async () => {
    const spec = daySpec(4);
    const file = (path: string, dt: number | null): ManifestEntry => ({ status: ManifestEntryStatus.ADDED, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, content: 0, file: { path, recordCount: 3, fileSizeBytes: 100, partition: { dt } } });
    const entries = [file('mem://t/data/dt=2001-09-09/a.parquet', 11574), file('mem://t/data/dt=1969-12-31/b.parquet', -1), file('mem://t/data/dt=null/c.parquet', null)];
    const schema = { type: 'struct' as const, 'schema-id': 0, fields: [{ id: 4, name: 'ts', required: true, type: 'timestamptz' as const }] };
    const bytes = encodeManifest({ schema, spec, content: 'data', entries });
    expect(decodeManifest(bytes).map((e) => e.file.partition)).toEqual([{ dt: 11574 }, { dt: -1 }, { dt: null }]);
    const records: { data_file: { partition: { dt: unknown } } }[] = [];
    const meta: Record<string, string> = {};
    await new Promise<void>((resolve, reject) => {
      const d = new avsc.streams.BlockDecoder({ parseHook: (s: avsc.Schema) => avsc.Type.forSchema(s, { registry: { long: bigintLong } as unknown as Record<string, avsc.Type>, wrapUnions: false }) });
      d.on('metadata', (_t: unknown, _c: string, h: { meta: Record<string, Buffer> }) => {
        for (const [k, v] of Object.entries(h.meta)) meta[k] = v.toString('utf8');
      });
      d.on('data', (r: (typeof records)[number]) => records.push(r));
      d.on('end', resolve);
      d.on('error', reject);
      d.end(Buffer.from(bytes));
    });
    expect(records.map((r) => r.data_file.partition.dt)).toEqual([11574, -1, null]);
    expect(JSON.parse(meta['partition-spec']!)).toEqual([{ 'source-id': 4, 'field-id': 1000, name: 'dt', transform: 'day' }]);
    const [sum] = partitionSummaries(spec, entries.map((e) => e.file.partition));
    expect(sum!.containsNull).toBe(true);
    expect(decodeBound('date', sum!.lowerBound!)).toBe(-1);
    expect(decodeBound('date', sum!.upperBound!)).toBe(11574);
  });
});
