// Counters of what external-table reads did, process-wide (read through `externalReadStats()`
// of dosql/virtual): how many files were opened, how many row groups were read or skipped by
// statistics, how many files partition pruning skipped, and bytes fetched. Tests and EXPLAIN-
// style checks use them to see pruning work; they never affect results.

export interface ExternalReadStats {
  /** Files whose bytes were read (a footer or the whole file). */
  filesOpened: number;
  /** Files skipped by partition pruning (never opened). */
  filesPruned: number;
  rowGroupsRead: number;
  /** Row groups skipped by their min/max statistics. */
  rowGroupsSkipped: number;
  bytesRead: number;
}

const stats: ExternalReadStats = { filesOpened: 0, filesPruned: 0, rowGroupsRead: 0, rowGroupsSkipped: 0, bytesRead: 0 };

/** A copy of the counters. */
export function externalReadStats(): ExternalReadStats {
  return { ...stats };
}

/** Sets every counter to 0. */
export function resetExternalReadStats(): void {
  stats.filesOpened = stats.filesPruned = stats.rowGroupsRead = stats.rowGroupsSkipped = stats.bytesRead = 0;
}

export function countStats(delta: Partial<ExternalReadStats>): void {
  for (const [k, v] of Object.entries(delta) as [keyof ExternalReadStats, number][]) stats[k] += v;
}
