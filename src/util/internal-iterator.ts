/**
 * A positioned cursor over entries sorted by memcmp order of their keys: the iterator of
 * memtables, SSTable blocks and files, and merges of them (LevelDB's `Iterator`).
 *
 * Moves return `void` when they completed synchronously and a Promise only when they had
 * to fetch data (a block from the object store). Callers write
 * `const p = it.next(); if (p) await p;`: on the cached path no microtask is spent.
 *
 * `key()` and `value()` are views valid until the next move; copy to keep them.
 * REQUIRES: `key()`, `value()`, `next()`, `prev()` only while `valid()`.
 */
export interface InternalIterator {
  valid(): boolean;
  key(): Uint8Array;
  value(): Uint8Array;
  /** Position at the first entry. */
  seekToFirst(): MaybePromise;
  /** Position at the last entry. */
  seekToLast(): MaybePromise;
  /** Position at the first entry with key >= target. */
  seek(target: Uint8Array): MaybePromise;
  /** Position at the last entry with key <= target. */
  seekForPrev(target: Uint8Array): MaybePromise;
  next(): MaybePromise;
  prev(): MaybePromise;
  /** Releases pinned blocks or readers; the iterator is unusable afterwards. */
  close(): void;
}

export type MaybePromise = void | Promise<void>;

/** An iterator with no entries. */
export const emptyIterator: InternalIterator = {
  valid: () => false,
  key: () => {
    throw new Error('emptyIterator.key');
  },
  value: () => {
    throw new Error('emptyIterator.value');
  },
  seekToFirst: () => {},
  seekToLast: () => {},
  seek: () => {},
  seekForPrev: () => {},
  next: () => {},
  prev: () => {},
  close: () => {},
};
