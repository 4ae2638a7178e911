// RowBuilder (row-mapper.ts), the per-flush row builder, against buildRow, the one-row
// definition: random schemas (system fields, a partition field, fields of every type), column
// maps naming some fields (one twice), fills for fields a map lacks, rows with absent columns and
// values of every wire form. Plans are cached per map and fill set, so maps and fills repeat.
import { describe, expect, it } from 'vitest';
import { toLakeValue, type LakeEvent } from '../cdc/lake-protocol.js';
import type { IcebergField, IcebergPrimitiveType, IcebergSchema } from '../iceberg/types.js';
import type { JsValue } from '../sql/api/values.js';
import { Prng } from '../util/prng.js';
import { buildRow, RowBuilder, type PendingRow } from './row-mapper.js';
import { initialSchema, type ColumnMap } from './schema-map.js';

const TYPES: IcebergPrimitiveType[] = ['long', 'double', 'string', 'binary', 'timestamptz'];

function value(r: Prng): JsValue {
  switch (r.int(6)) {
    case 0:
      return null;
    case 1:
      return BigInt(r.int(2000) - 1000);
    case 2:
      return r.next() * 100;
    case 3:
      return r.int(3) === 0 ? 7 : `s${r.int(50)}`;
    case 4:
      return new Uint8Array([r.int(256), r.int(256)]);
    default:
      return 2 ** 60 * (r.int(3) + 1);
  }
}

describe('RowBuilder', () => {
  it('builds the rows buildRow builds', () => {
    const r = new Prng(16);
    for (let trial = 0; trial < 40; trial++) {
      const base = initialSchema(r.int(2) === 0);
      const fields: IcebergField[] = [...base.fields];
      const n = 1 + r.int(6);
      for (let k = 0; k < n; k++) fields.push({ id: 10 + k, name: `c${k}`, required: false, type: TYPES[r.int(TYPES.length)]! });
      const schema: IcebergSchema = { ...base, fields };
      const names = Array.from({ length: n + 2 }, (_, k) => `col${k}`);
      const maps: ColumnMap[] = Array.from({ length: 3 }, () => {
        const m: Record<string, number> = {};
        for (const name of names) if (r.int(3) > 0) m[name] = 10 + r.int(n + 1); // some ids unmapped, some twice, one past the schema
        return m;
      });
      const fillSets: (Record<number, JsValue> | undefined)[] = [undefined, { 10: 'fill', [10 + n - 1]: BigInt(5) }, { 11: null }];
      const builder = new RowBuilder(schema);
      for (let row = 0; row < 30; row++) {
        const data: LakeEvent['data'] = {};
        for (const name of names) if (r.int(4) > 0) data[name] = toLakeValue(value(r));
        const p: PendingRow = { source: `s${r.int(2)}`, key: new Uint8Array([row]), event: { op: 'insert', lsn: 100 + row, seq: 0, ts: 1_700_000_000_000 + row, data }, map: maps[r.int(maps.length)]! };
        const fills = fillSets[r.int(fillSets.length)];
        const part = r.int(2) === 0 ? null : BigInt(row) * 1000n;
        expect(builder.build(p, fills, part)).toEqual(buildRow(schema, p, fills, part));
      }
    }
  });
});
