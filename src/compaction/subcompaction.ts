// Subcompactions (RocksDB's max_subcompactions): one large compaction job split into disjoint
// user-key ranges that run in parallel, each merging only its share of the inputs and writing
// its own output files. Their outputs, concatenated in range order, form the job's one output
// run, installed by the scheduler in one manifest edit like any job's.
//
// Why the result equals the single job's: the GC rule of docs/compaction.md decides each user
// key from that key's versions alone (and from deeper levels, which every range sees whole),
// and a range boundary never falls between two versions of one user key. Only the places where
// output files are cut differ.
import type { FileMeta } from '../manifest/manifest-format.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import { SSTableReader } from '../sstable/sstable-reader.js';
import type { TableCache } from '../sstable/table-cache.js';
import { compareBytes } from '../util/bytes.js';
import type { CompactionResult, KeyRange } from './compaction-job.js';
import type { Compaction } from './compaction-picker.js';

/** Input bytes below which a job is not split: the parallel work must pay for the extra seeks and file cuts. */
export const MIN_SUBCOMPACTION_BYTES = 8 * 1024 * 1024;

export function compactionInputBytes(c: Compaction): number {
  let n = 0;
  for (const run of c.runs) for (const f of run) n += f.size;
  return n;
}

/**
 * Splits `c` into at most `max` key ranges of about equal input bytes, at data-block
 * boundaries of the input files (each block's last user key, from the files' index blocks,
 * weighted by the block's size). One range covering everything (`[{}]`) when the job is a
 * trivial move, `max` <= 1, or the input is under `minBytes` per range.
 * Reads the index blocks of the input files through `tables` (they are usually open already).
 */
export async function planSubcompactions(c: Compaction, tables: TableCache, max: number, minBytes = MIN_SUBCOMPACTION_BYTES): Promise<KeyRange[]> {
  const total = compactionInputBytes(c);
  const k = Math.min(max, Math.floor(total / minBytes));
  if (c.kind === 'move' || k <= 1) return [{}];
  const anchors: { uk: Uint8Array; bytes: number }[] = [];
  for (const run of c.runs) {
    for (const f of run) {
      const got = tables.get(f);
      const reader = got instanceof Promise ? await got : got;
      if (!(reader instanceof SSTableReader)) {
        // A columnar run: no block index to split at, only its last key.
        anchors.push({ uk: f.largest.slice(0, f.largest.length - TRAILER_SIZE), bytes: f.size });
        continue;
      }
      const it = reader.indexBlock.iterator();
      for (it.seekToFirst(); it.valid(); it.next()) {
        const key = it.key();
        anchors.push({ uk: key.slice(0, key.length - TRAILER_SIZE), bytes: reader.decodeHandle(it.value()).size });
      }
    }
  }
  anchors.sort((a, b) => compareBytes(a.uk, b.uk));
  const weight = anchors.reduce((n, a) => n + a.bytes, 0);
  const bounds: Uint8Array[] = [];
  let acc = 0;
  let next = 1;
  // The last anchor is the largest key of all: a bound there would leave an empty last range.
  for (let i = 0; i < anchors.length - 1 && next < k; i++) {
    acc += anchors[i]!.bytes;
    if (acc < (weight * next) / k) continue;
    const uk = anchors[i]!.uk;
    if (bounds.length === 0 || compareBytes(bounds[bounds.length - 1]!, uk) < 0) bounds.push(uk);
    while (next < k && acc >= (weight * next) / k) next++;
  }
  if (bounds.length === 0) return [{}];
  const ranges: KeyRange[] = [{ upTo: bounds[0]! }];
  for (let i = 1; i < bounds.length; i++) ranges.push({ after: bounds[i - 1]!, upTo: bounds[i]! });
  ranges.push({ after: bounds[bounds.length - 1]! });
  return ranges;
}

/**
 * Runs one subcompaction per range (all at once; `runOne` decides where the CPU burns) and
 * combines their results in range order. If any fails, waits for the others, deletes the files
 * the finished ones wrote (best effort: what remains is an orphan, collected at the next open,
 * as a failed single job leaves) and rethrows the first failure: nothing of the job is installed.
 */
export async function runSubcompactions(
  c: Compaction,
  ranges: readonly KeyRange[],
  runOne: (range: KeyRange, index: number) => Promise<CompactionResult>,
  deleteFile: (f: FileMeta) => Promise<void>,
): Promise<CompactionResult> {
  const t0 = Date.now();
  const settled = await Promise.allSettled(ranges.map((r, i) => runOne(r, i)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const s of settled) {
      if (s.status !== 'fulfilled') continue;
      for (const f of s.value.outputs) await deleteFile(f).catch(() => undefined);
    }
    throw failed.reason;
  }
  const results = settled.map((s) => (s as PromiseFulfilledResult<CompactionResult>).value);
  const out: CompactionResult = {
    outputs: results.flatMap((r) => r.outputs),
    bytesRead: compactionInputBytes(c),
    bytesWritten: 0,
    entriesIn: 0,
    entriesOut: 0,
    droppedVersions: 0,
    droppedTombstones: 0,
    ms: Date.now() - t0,
  };
  for (const r of results) {
    out.bytesWritten += r.bytesWritten;
    out.entriesIn += r.entriesIn;
    out.entriesOut += r.entriesOut;
    out.droppedVersions += r.droppedVersions;
    out.droppedTombstones += r.droppedTombstones;
  }
  return out;
}
