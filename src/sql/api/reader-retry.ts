// Statements on a read-only engine (src/lsm/follower.ts) may find an SSTable of the manifest
// they read already collected by the writer (nothing in the writer's process pins a reader's
// manifest version): NOT_FOUND naming the file. Such a statement only reads, so it catches up
// to the writer's newer manifest and runs again.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';

/** Times a statement runs again after the writer collected a file under it. */
const RETRIES = 8;

/** A data file of the manifest a read used is gone. */
function collected(e: unknown): boolean {
  return e instanceof DoSQLError && e.code === 'NOT_FOUND' && typeof e.details.file === 'string';
}

/** Runs `fn`; on a read-only engine, again after catching up when the writer collected a file it read. */
export async function retryCollected<T>(engine: LsmEngine | undefined, fn: () => Promise<T>): Promise<T> {
  if (!engine?.readOnly) return fn();
  for (let attempt = 0; ; attempt++) {
    const version = engine.manifest.version;
    try {
      return await fn();
    } catch (e) {
      if (attempt >= RETRIES || !collected(e)) throw e;
      await engine.catchUp();
      // The same manifest still names the file: it is really missing.
      if (engine.manifest.version === version) throw e;
    }
  }
}
