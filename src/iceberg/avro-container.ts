// Avro Object Container File writer (Avro 1.11 spec, "Object Container Files"):
//   file   := magic header-meta sync block*
//   magic  := 'O' 'b' 'j' 0x01
//   header-meta := map<bytes>  ("avro.schema" = schema JSON, "avro.codec" = "null", plus the caller's keys)
//   sync   := 16 random bytes
//   block  := count: long, size: long, data: size bytes of `count` encoded records, sync
// Only the `null` codec is written: Iceberg readers accept it, and deflate would need
// node:zlib or an async CompressionStream. Format: docs/format/iceberg.md.
import { ByteWriter } from '../util/byte-writer.js';
import { AvroEncoder, writeLong, type AvroSchema, type AvroValue } from './avro.js';

export const AVRO_MAGIC = new Uint8Array([0x4f, 0x62, 0x6a, 0x01]);
export const AVRO_SYNC_SIZE = 16;

export interface AvroContainerOptions {
  /** Extra header metadata (Iceberg: `schema`, `partition-spec`, `format-version`, ...), stored as UTF-8. */
  metadata?: Readonly<Record<string, string>>;
  /** The 16-byte sync marker; random when omitted (inject it for byte-identical output in tests). */
  sync?: Uint8Array;
  /** Records per block (default 1000). */
  blockRecords?: number;
}

const utf8 = new TextEncoder();

/**
 * Encodes `records` as a complete Avro container file. The schema is written as
 * `JSON.stringify(schema)`, so attributes such as Iceberg's `field-id` survive.
 * Throws INVALID_ARGUMENT (naming the field path) when a record does not fit the schema.
 */
export function encodeAvroContainer(schema: AvroSchema, records: readonly AvroValue[], options: AvroContainerOptions = {}): Uint8Array {
  const sync = options.sync ?? crypto.getRandomValues(new Uint8Array(AVRO_SYNC_SIZE));
  if (sync.length !== AVRO_SYNC_SIZE) throw new RangeError(`iceberg: avro: sync marker must be ${AVRO_SYNC_SIZE} bytes`);
  const out = new ByteWriter(1024);
  out.bytes(AVRO_MAGIC);
  const meta: [string, string][] = [
    ['avro.schema', JSON.stringify(schema)],
    ['avro.codec', 'null'],
    ...Object.entries(options.metadata ?? {}),
  ];
  writeLong(out, meta.length);
  for (const [k, v] of meta) {
    writeBytes(out, utf8.encode(k));
    writeBytes(out, utf8.encode(v));
  }
  out.u8(0);
  out.bytes(sync);

  const encoder = new AvroEncoder(schema);
  const perBlock = Math.max(1, options.blockRecords ?? 1000);
  const block = new ByteWriter(4096);
  for (let i = 0; i < records.length; i += perBlock) {
    const n = Math.min(perBlock, records.length - i);
    block.reset();
    for (let j = i; j < i + n; j++) encoder.write(block, records[j], schema, `record ${j}`);
    writeLong(out, n);
    writeLong(out, block.pos);
    out.bytes(block.view());
    out.bytes(sync);
  }
  return out.toBytes();
}

function writeBytes(out: ByteWriter, b: Uint8Array): void {
  writeLong(out, b.length);
  out.bytes(b);
}
