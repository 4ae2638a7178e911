// Checksums of a columnar run file (docs/format/columnar.md, "Checksums"). Parquet pages may
// carry a CRC, but arrow-rs does not write one and hyparquet does not check one, so a run is
// verified from outside: the file is cut into checked ranges — the leading magic, each column
// chunk, the bytes between chunks (page indexes), the footer — and the CRC-32C of each range
// is recorded in the run's manifest entry (FileMeta.cold.checksums), which is itself
// checksummed. Pure codec: no I/O (src/cold/run-source.ts fetches and verifies).
import type { FileMetaData } from 'hyparquet';
import { corruption, DoSQLError } from '../errors.js';
import { crc32c } from '../util/crc32c.js';

/**
 * What a reader needs to verify a run file (persisted in the manifest, manifest.md):
 * `footerOffset` is where the footer (Thrift FileMetaData, its length, the magic `PAR1`)
 * begins; `crc32c` holds the CRC-32C of every checked range in file order, 8 lowercase hex
 * digits each. The ranges follow from the footer ({@link checkedRanges}).
 */
export interface RunChecksums {
  readonly footerOffset: number;
  readonly crc32c: string;
}

/** Parquet's magic, at both ends of the file. */
const MAGIC_LENGTH = 4;

/**
 * Start offsets of the checked ranges of a file of `size` bytes whose footer starts at
 * `footerOffset`: 0 (the leading magic), every column chunk's start and end, and
 * `footerOffset`; range i is [starts[i], starts[i+1]), the last one [footerOffset, size).
 * Throws CORRUPTION when the footer's chunks overlap or leave the data area.
 */
export function checkedRanges(md: FileMetaData, footerOffset: number, size: number, file: string): number[] {
  if (!(MAGIC_LENGTH <= footerOffset && footerOffset <= size - 8)) throw corruption('columnar', file, footerOffset, `footer offset outside a ${size}-byte file`);
  const bounds = new Set<number>([0, MAGIC_LENGTH, footerOffset]);
  const chunks: [number, number][] = [];
  md.row_groups.forEach((rg, g) => {
    rg.columns.forEach((c, i) => {
      const m = c.meta_data;
      if (!m) throw corruption('columnar', file, footerOffset, `row group ${g} column ${i} has no metadata`);
      // hyparquet reads a chunk from its dictionary page when there is one (plan.js).
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      if (!(MAGIC_LENGTH <= start && start <= end && end <= footerOffset)) {
        throw corruption('columnar', file, footerOffset, `row group ${g} column ${i} spans bytes ${start}..${end}, outside the data area 4..${footerOffset}`);
      }
      chunks.push([start, end]);
      bounds.add(start).add(end);
    });
  });
  chunks.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < chunks.length; i++) {
    if (chunks[i]![0] < chunks[i - 1]![1]) throw corruption('columnar', file, footerOffset, `column chunks overlap at byte ${chunks[i]![0]}`);
  }
  return [...bounds].sort((a, b) => a - b);
}

/** The checksums of a whole file held in memory, given its parsed footer. */
export function computeRunChecksums(bytes: Uint8Array, md: FileMetaData, file: string): RunChecksums {
  const footerOffset = footerOffsetOf(bytes, file);
  const starts = checkedRanges(md, footerOffset, bytes.length, file);
  let hex = '';
  for (let i = 0; i < starts.length; i++) hex += crcHex(crc32c(bytes, starts[i]!, i + 1 < starts.length ? starts[i + 1]! : bytes.length));
  return { footerOffset, crc32c: hex };
}

/** Where the footer of a whole Parquet file starts (from the length before the closing magic). */
export function footerOffsetOf(bytes: Uint8Array, file: string): number {
  if (bytes.length < 12) throw corruption('columnar', file, 0, `file of ${bytes.length} bytes is too short for Parquet`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 8, true);
  const offset = bytes.length - 8 - len;
  if (offset < MAGIC_LENGTH) throw corruption('columnar', file, bytes.length - 8, `footer length ${len} exceeds the file`);
  return offset;
}

/** The recorded CRCs as numbers; throws CORRUPTION for a malformed string (the manifest entry is wrong). */
export function parseCrcs(c: RunChecksums, file: string): Uint32Array {
  if (!Number.isSafeInteger(c.footerOffset) || typeof c.crc32c !== 'string' || c.crc32c.length % 8 !== 0 || !/^[0-9a-f]*$/.test(c.crc32c)) {
    throw new DoSQLError('CORRUPTION', `columnar: the manifest's checksums of ${file} are malformed`, { details: { file, offset: 0 } });
  }
  const out = new Uint32Array(c.crc32c.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(c.crc32c.slice(8 * i, 8 * i + 8), 16);
  return out;
}

function crcHex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
