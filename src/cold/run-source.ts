// Opening a columnar run file for reading, verified against what its manifest entry records
// (docs/format/columnar.md, "Checksums"): the object's size, then the footer's CRC before it
// is parsed, the leading magic, and every checked range (columnar/run-checksums.ts) hyparquet asks for,
// after it is fetched and before anything decodes it. A request that covers part of a range
// is widened to the whole range, so no byte reaches a decoder unverified. Every path that
// reads run bytes (cold-file-reader.ts for gets, scans, time travel and compactions;
// column-cache.ts for the columnar query path and Iceberg publishing) opens runs here;
// a run an Iceberg snapshot hands to other readers is verified whole first (verifyWholeRun).
import { DoSQLError, asIoError, corruption } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { crc32c } from '../util/crc32c.js';
import { checkedRanges, describeParquet, objectStoreSource, openParquet, parseCrcs, parseFooter, type OpenedParquet, type ParquetSource, type RunChecksums } from '../columnar/index.js';

/** What the manifest says about a run file. */
export interface RunFileExpectation {
  /** Object size in bytes. */
  readonly size: number;
  /** Absent for runs written before checksums were recorded: those are read unverified. */
  readonly checksums?: RunChecksums;
}

/**
 * Opens run `key` of `store`: two ranged reads (footer and leading magic, concurrently).
 * Throws CORRUPTION (details.file, details.offset) when the object's size differs from
 * `expect.size` or the footer or magic fails its checksum, NOT_FOUND when the object is
 * missing, IO_ERROR from the store. Reads through the returned file throw CORRUPTION for a
 * range whose checksum fails.
 */
export async function openRunFile(store: ObjectStore, key: string, expect: RunFileExpectation): Promise<OpenedParquet> {
  if (!expect.checksums) return openUnverified(store, key, expect.size);
  const crcs = parseCrcs(expect.checksums, key);
  const { footerOffset } = expect.checksums;
  const size = expect.size;
  if (crcs.length < 3) throw corruption('columnar', key, 0, `the manifest records ${crcs.length} checksums, a run has at least 3`);
  const read = rangeReader(store, key, size);
  const [footer, magic] = await Promise.all([read(footerOffset, size), read(0, 4)]);
  check(footer, 0, footer.length, crcs[crcs.length - 1]!, key, footerOffset, 'footer');
  check(magic, 0, 4, crcs[0]!, key, 0, 'leading magic');
  const metadata = parseFooter(footer, key);
  const starts = checkedRanges(metadata, footerOffset, size, key);
  if (starts.length !== crcs.length) {
    throw corruption('columnar', key, footerOffset, `the footer describes ${starts.length} checked ranges, the manifest records ${crcs.length}`);
  }
  const source = verifiedSource(key, size, starts, crcs, read);
  return { source, metadata, stats: describeParquet(metadata, size, key) };
}

/** Bytes read per request when a whole run is verified. */
const VERIFY_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Reads and verifies every byte of a run opened by {@link openRunFile}, about 8 MiB per
 * request (a larger column chunk in one): for files handed to readers that cannot check them
 * (an Iceberg snapshot referencing the run in place). Does nothing for a run without
 * recorded checksums. Throws CORRUPTION like the reads it makes.
 */
export async function verifyWholeRun(file: OpenedParquet): Promise<void> {
  const starts = checkedStarts.get(file.source);
  if (!starts) return;
  const size = file.source.byteLength;
  for (let i = 0; i < starts.length; ) {
    let j = i + 1;
    while (j < starts.length && starts[j]! - starts[i]! < VERIFY_BATCH_BYTES) j++;
    // Ranges i..j-1 start within the batch; the slice ends where range j begins.
    await file.source.slice(starts[i]!, j < starts.length ? starts[j]! : size);
    i = j;
  }
}

/** Whether reads through `source` are verified and kept once verified (a run with recorded checksums). */
export function keepsVerifiedRanges(source: ParquetSource): boolean {
  return checkedStarts.has(source);
}

/** The checked ranges of each verifying source (verifyWholeRun walks them). */
const checkedStarts = new WeakMap<ParquetSource, readonly number[]>();

/** A run without recorded checksums: only its size is checked against the manifest. */
async function openUnverified(store: ObjectStore, key: string, size: number): Promise<OpenedParquet> {
  const source = await objectStoreSource(store, key);
  if (source.byteLength !== size) throw sizeMismatch(key, source.byteLength, size);
  return openParquet(source);
}

type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

/** Bytes [start, end) of the object, which must be `size` bytes long. */
function rangeReader(store: ObjectStore, key: string, size: number): RangeReader {
  return async (start, end) => {
    const got = await store.get(key, { range: { offset: start, length: end - start } }).catch((e: unknown) => {
      throw asIoError('columnar', 'get', key, e);
    });
    if (!got) throw new DoSQLError('NOT_FOUND', `columnar: no object ${key} in ${store.name}`, { details: { file: key } });
    if (got.size !== size) throw sizeMismatch(key, got.size, size);
    if (got.data.byteLength !== end - start) throw corruption('columnar', key, start + got.data.byteLength, `object ended before byte ${end}`);
    return got.data;
  };
}

function sizeMismatch(key: string, actual: number, expected: number): DoSQLError {
  return corruption('columnar', key, Math.min(actual, expected), `object is ${actual} bytes, the manifest records ${expected}`);
}

function check(bytes: Uint8Array, from: number, to: number, want: number, key: string, offset: number, what: string): void {
  if (crc32c(bytes, from, to) !== want) throw corruption('columnar', key, offset, `checksum mismatch in the ${what} (bytes ${offset}..${offset + to - from})`);
}

/**
 * Checked ranges already read and verified, by (source, range), least recently used out first,
 * bounded by bytes. Keyed by the opened source, not the object: a file opened again is read
 * and checked again.
 */
class VerifiedRanges {
  private readonly map = new Map<string, Uint8Array>();
  private used = 0;
  constructor(
    private readonly capacity: number,
    /** Larger ranges are not kept (a scan reads them once). */
    private readonly maxRange: number,
  ) {}
  get(source: number, range: number): Uint8Array | undefined {
    const k = `${source}:${range}`;
    const b = this.map.get(k);
    if (b) {
      this.map.delete(k);
      this.map.set(k, b);
    }
    return b;
  }
  set(source: number, range: number, bytes: Uint8Array): void {
    if (bytes.length > this.maxRange) return;
    const k = `${source}:${range}`;
    if (this.map.has(k)) return;
    this.map.set(k, bytes);
    this.used += bytes.length;
    for (const [old, v] of this.map) {
      if (this.used <= this.capacity) break;
      this.map.delete(old);
      this.used -= v.length;
    }
  }
}

const verifiedRanges = new VerifiedRanges(32 * 1024 * 1024, 2 * 1024 * 1024);
let nextSourceId = 1;

/** A source whose every slice is widened to whole checked ranges and verified before it is returned. */
function verifiedSource(key: string, size: number, starts: readonly number[], crcs: Uint32Array, read: RangeReader): ParquetSource {
  const endOf = (i: number): number => (i + 1 < starts.length ? starts[i + 1]! : size);
  /** Index of the range holding byte `at`. */
  const rangeOf = (at: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  const id = nextSourceId++;
  const source: ParquetSource = {
    name: key,
    byteLength: size,
    async slice(start, end) {
      if (!(0 <= start && start <= end && end <= size)) {
        throw new DoSQLError('INVALID_ARGUMENT', `columnar: bytes ${start}..${end} are outside ${key} (${size} bytes)`, { details: { file: key } });
      }
      if (start === end) return new Uint8Array(0);
      const first = rangeOf(start);
      const last = rangeOf(end - 1);
      const from = starts[first]!;
      // Point reads decode one page at a time: the chunk holding it, read and checked once, serves the next pages.
      if (first === last) {
        const hit = verifiedRanges.get(id, first);
        if (hit) return hit.subarray(start - from, end - from);
      }
      const bytes = await read(from, endOf(last));
      for (let i = first; i <= last; i++) {
        const what = i === 0 ? 'leading magic' : i === starts.length - 1 ? 'footer' : 'data';
        check(bytes, starts[i]! - from, endOf(i) - from, crcs[i]!, key, starts[i]!, what);
      }
      for (let i = first; i <= last; i++) verifiedRanges.set(id, i, bytes.subarray(starts[i]! - from, endOf(i) - from));
      return bytes.subarray(start - from, end - from);
    },
  };
  checkedStarts.set(source, starts);
  return source;
}
