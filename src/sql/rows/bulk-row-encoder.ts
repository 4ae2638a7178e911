// Encodes the rows of a bulk load (src/sql/api/bulk-load.ts) into two buffers it reuses: the
// row value, as encodeRowValue (row-materializer.ts) stores it, and the internal key,
// makeInternalKey(rowKey(...), lsn, KIND_PUT). A row then costs no allocation of its own: the
// SSTable writer copies both out of the buffers (RunBuilder.add with lengths). Built from the
// same codec functions as INSERT's path (writeRow, writeKeyValue, collationKey, writeTrailer),
// so the bytes are the same; bulk-row-encoder.test.ts compares them on random rows.
import { encodeTablePrefix, KIND_PUT, TRAILER_SIZE, writeTrailer } from '../../mvcc/internal-key.js';
import { TAG_END, writeKeyValue } from '../../mvcc/key-codec.js';
import { ByteWriter } from '../../util/byte-writer.js';
import type { TableSchema } from '../catalog/schema.js';
import type { SqlValue } from '../types/value.js';
import { writeRowInts } from './row-codec.js';
import { collationKey } from './row-keys.js';

export class BulkRowEncoder {
  /** The last row's value: bytes [0, value.pos) of value.buf. */
  readonly value = new ByteWriter(512);
  /** The last row's internal key: bytes [0, key.pos) of key.buf (the user key, then the 8-byte trailer). */
  key = new ByteWriter(128);
  /**
   * The row before's internal key, as `key` (empty before the second row). The two buffers
   * swap per row, so a caller comparing each key with the one before copies neither.
   */
  prevKey = new ByteWriter(128);
  /** Column slots (index = column id) of the row value; ids of dropped columns stay NULL. */
  private readonly slots: SqlValue[];
  /** Column id of each column position. */
  private readonly slotOf: Int32Array;
  /** Per slot: 1 when the slot holds an integer as a JS number (see encode's `ints`). */
  private readonly slotInts: Uint8Array;
  private readonly prefix: Uint8Array;
  private readonly trailer = new Uint8Array(TRAILER_SIZE);

  constructor(
    private readonly t: TableSchema,
    branch: number,
    lsn: number,
  ) {
    this.slots = new Array<SqlValue>(t.nextColumnId).fill(null);
    this.slotOf = Int32Array.from(t.columns.map((c) => c.id));
    this.slotInts = new Uint8Array(t.nextColumnId);
    this.prefix = encodeTablePrefix(branch, t.id);
    writeTrailer(this.trailer, 0, lsn, KIND_PUT);
  }

  /**
   * Encodes one row: `values` are the table's columns in declared order (affinity applied),
   * `rowid` the rowid of a rowid table (null for WITHOUT ROWID). An INTEGER PRIMARY KEY
   * column's slot is stored NULL (the key holds it), as INSERT stores it. `ints[i]` = 1: values[i]
   * is an INTEGER held as a JS number, a safe integer that is not -0 (as is a number rowid):
   * encoded as BigInt(values[i]) would be, without making the BigInt. Keys need nothing for it:
   * a number below 2^53 and the bigint of the same integer encode alike (key-codec.ts).
   */
  encode(values: readonly SqlValue[], rowid: bigint | number | null, ints: Uint8Array): void {
    const t = this.t;
    const slots = this.slots;
    const slotInts = this.slotInts;
    const slotOf = this.slotOf;
    const alias = t.rowidAlias;
    for (let i = 0; i < slotOf.length; i++) {
      const s = slotOf[i]!;
      if (i === alias) {
        slots[s] = null;
        slotInts[s] = 0;
      } else {
        slots[s] = values[i]!;
        slotInts[s] = ints[i]!;
      }
    }
    const v = this.value;
    v.reset();
    writeRowInts(v, slots, slotInts);
    const k = this.prevKey;
    this.prevKey = this.key;
    this.key = k;
    k.reset();
    k.bytes(this.prefix);
    if (!t.withoutRowid) writeKeyValue(k, rowid!);
    else for (const ci of t.primaryKey) writeKeyValue(k, collationKey(values[ci]!, t.columns[ci]!.collation));
    k.u8(TAG_END);
    k.bytes(this.trailer);
  }

  /** Length of the last row's user key (its internal key without the trailer). */
  get userKeyLength(): number {
    return this.key.pos - TRAILER_SIZE;
  }
}
