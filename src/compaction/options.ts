// Leveled compaction settings and their defaults. Thresholds are explained in docs/compaction.md.

export interface CompactionOptions {
  /** L0 runs that trigger an L0 -> L1 compaction. Default 4. */
  l0CompactionTrigger?: number;
  /** L0 runs at which each write group is delayed by 1 ms (slowdown). Default 8. */
  l0SlowdownTrigger?: number;
  /** L0 runs at which writes wait for compaction (stop). Default 12. */
  l0StopTrigger?: number;
  /** Target size of L1, bytes; level n is levelBaseBytes * multiplier^(n-1). Default 64 MiB. */
  levelBaseBytes?: number;
  /** Size ratio between adjacent levels. Default 10. */
  levelMultiplier?: number;
  /** Number of levels, L0 included. Default 7. */
  maxLevels?: number;
  /** Run compactions automatically in the background. Default true. */
  background?: boolean;
}

export type ResolvedCompactionOptions = Required<CompactionOptions>;

export function resolveCompactionOptions(o: CompactionOptions = {}): ResolvedCompactionOptions {
  const r: ResolvedCompactionOptions = {
    l0CompactionTrigger: o.l0CompactionTrigger ?? 4,
    l0SlowdownTrigger: o.l0SlowdownTrigger ?? 8,
    l0StopTrigger: o.l0StopTrigger ?? 12,
    levelBaseBytes: o.levelBaseBytes ?? 64 * 1024 * 1024,
    levelMultiplier: o.levelMultiplier ?? 10,
    maxLevels: o.maxLevels ?? 7,
    background: o.background ?? true,
  };
  if (!(r.l0CompactionTrigger <= r.l0SlowdownTrigger && r.l0SlowdownTrigger <= r.l0StopTrigger)) {
    throw new RangeError('compaction: need l0CompactionTrigger <= l0SlowdownTrigger <= l0StopTrigger');
  }
  if (r.maxLevels < 2) throw new RangeError('compaction: maxLevels must be at least 2');
  return r;
}

/** Target bytes of level n >= 1. */
export function maxBytesForLevel(o: ResolvedCompactionOptions, level: number): number {
  return o.levelBaseBytes * o.levelMultiplier ** (level - 1);
}
