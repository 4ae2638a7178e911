// An external table as the table-valued function the planner scans (sql/functions/
// table-functions.ts): fixed columns with their affinities, no arguments, and rows produced by
// a reader in batches. A nested-loop join opens an inner source once per outer row; the first
// open keeps up to REPLAY_ROWS rows so later opens replay them instead of reading the files again.
import type { TableFunction } from '../sql/functions/table-functions.js';
import type { Affinity } from '../sql/types/affinity.js';
import type { SqlValue } from '../sql/types/value.js';

/** Rows kept for replay by later opens of the same scan within one statement. */
const REPLAY_ROWS = 100_000;

export function rowsTable(name: string, columns: readonly { name: string; affinity: Affinity }[], read: () => AsyncIterable<SqlValue[][]>): TableFunction {
  let replay: SqlValue[][][] | undefined;
  const batches = (): AsyncIterable<SqlValue[][]> => {
    if (replay) {
      const kept = replay;
      return (async function* () {
        yield* kept;
      })();
    }
    return (async function* () {
      let kept: SqlValue[][][] | undefined = [];
      let rows = 0;
      for await (const b of read()) {
        if (kept) {
          rows += b.length;
          if (rows <= REPLAY_ROWS) kept.push(b);
          else kept = undefined;
        }
        yield b;
      }
      if (kept) replay = kept;
    })();
  };
  return {
    name,
    columns: columns.map((c) => ({ name: c.name, hidden: false, affinity: c.affinity })),
    argColumns: [],
    openBatches: batches,
    open() {
      return (async function* () {
        for await (const b of batches()) yield* b;
      })();
    },
  };
}
