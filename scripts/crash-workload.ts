// The deterministic workload of the crash test: what batch i writes, so the parent can
// check the child's database without talking to it beyond acknowledgements.
import { WriteBatch } from '../src/lsm/write-batch.js';

export const UNIQUE_TABLE = 1;
export const MARKER_TABLE = 2;
export const HOT_TABLE = 3;

export function keysPerBatch(i: number): number {
  return 1 + (i % 5);
}

export function uniqueValue(i: number, j: number): Uint8Array {
  const v = new Uint8Array(40 + ((i * 7 + j) % 200));
  for (let k = 0; k < v.length; k++) v[k] = (i * 31 + j * 17 + k) & 0xff;
  return v;
}

export function hotValue(i: number): Uint8Array {
  return new TextEncoder().encode(`hot-${i}-${'x'.repeat(i % 97)}`);
}

export function markerValue(i: number): Uint8Array {
  return new TextEncoder().encode(`marker-${i}`);
}

/** Batch i: unique keys (1,[i,j]), a marker (2,[i]), an overwrite (3,[i%50]), sometimes a delete of an older unique key. */
export function batchFor(i: number): WriteBatch {
  const b = new WriteBatch();
  for (let j = 0; j < keysPerBatch(i); j++) b.put(UNIQUE_TABLE, [i, j], uniqueValue(i, j));
  b.put(MARKER_TABLE, [i], markerValue(i));
  b.put(HOT_TABLE, [i % 50], hotValue(i));
  if (i >= 10 && i % 3 === 0) b.delete(UNIQUE_TABLE, [i - 10, 0]);
  return b;
}
