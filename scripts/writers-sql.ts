// The two-writer stress through the SQL API (`npm run stress:writers -- --api sql`): each
// writer loops "DB() -> INSERT -> on FENCED or COMMIT_UNKNOWN close and reopen" on one folder,
// as an application would. Row `w * 1e6 + i` is writer w's batch i.
import { DoSQLError } from '../src/errors.js';
import { DB, type DBOptions } from '../src/node/db.js';
import type { WriterEvent, WriterLog } from './writers-workload.js';

const ROWS_PER_WRITER = 1_000_000;
const describeError = (e: unknown): string => (e instanceof DoSQLError ? `${e.code} ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e));

export function sqlOptions(dir: string, workerThreads: boolean): DBOptions {
  return { path: dir, memtableBytes: 32 * 1024, compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 16 }, workerThreads };
}

/** `writerLoop` (writers-workload.ts) through DB(): one INSERT per batch, `inflight` at a time. */
export async function sqlWriterLoop(o: { writer: number; options: DBOptions; inflight: number; stop: () => boolean; emit: (e: WriterEvent) => void; sessionWrites?: () => number }): Promise<void> {
  let next = 0;
  while (!o.stop()) {
    const db = DB('stress', o.options);
    try {
      await db.open();
      await db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    } catch (e) {
      await db.close().catch(() => undefined);
      const code: string = e instanceof DoSQLError ? e.code : '';
      if (code === 'BUSY' || code === 'FENCED' || code === 'COMMIT_UNKNOWN' || code === 'WRITE_CONFLICT') o.emit({ t: 'busy' });
      else o.emit({ t: 'error', what: `open: ${describeError(e)}` });
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    o.emit({ t: 'open' });
    let failed = false;
    let budget = o.sessionWrites?.() ?? Infinity;
    const one = async (): Promise<void> => {
      while (!failed && !o.stop() && budget-- > 0) {
        const i = next++;
        o.emit({ t: 'start', i });
        try {
          const r = await db.run('INSERT INTO t VALUES (?, ?)', [o.writer * ROWS_PER_WRITER + i, `w${o.writer}-${i}-${'x'.repeat(i % 97)}`]);
          o.emit({ t: 'ack', i, lsn: r.lsn });
        } catch (e) {
          failed = true;
          const code: string = e instanceof DoSQLError ? e.code : '';
          if (code === 'FENCED') o.emit({ t: 'fenced', i });
          else {
            o.emit({ t: 'unknown', i });
            if (code !== 'COMMIT_UNKNOWN') o.emit({ t: 'error', what: `insert ${i}: ${describeError(e)}` });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: o.inflight }, one));
    await db.close().catch((e: unknown) => o.emit({ t: 'error', what: `close: ${describeError(e)}` }));
  }
}

/** The SQL version of checkWriters: acknowledged rows present, FENCED rows absent, nothing never inserted. */
export async function checkSqlWriters(dir: string, logs: readonly WriterLog[]): Promise<{ problems: string[]; fencedPresent: number; unknownPresent: number }> {
  const db = DB('stress', { path: dir, workerThreads: false });
  const problems: string[] = [];
  let fencedPresent = 0;
  let unknownPresent = 0;
  try {
    const ids = new Set((await db.query('SELECT id FROM t')).map((r) => Number(r.id)));
    for (const log of logs) {
      const w = log.writer;
      const has = (i: number): boolean => ids.has(w * ROWS_PER_WRITER + i);
      for (const [i, lsn] of log.acked) if (!has(i)) problems.push(`writer ${w}: acknowledged insert ${i} (LSN ${lsn}) is lost`);
      for (const i of log.fenced) {
        if (has(i)) {
          fencedPresent++;
          problems.push(`writer ${w}: insert ${i} failed with FENCED but is present`);
        }
      }
      for (const i of log.started) if (!log.acked.has(i) && !log.fenced.has(i) && has(i)) unknownPresent++;
      for (const id of ids) if (Math.floor(id / ROWS_PER_WRITER) === w && !log.started.has(id % ROWS_PER_WRITER)) problems.push(`writer ${w}: row ${id} was never inserted but is present`);
      for (const e of log.errors) problems.push(`writer ${w}: ${e}`);
    }
  } finally {
    await db.close();
  }
  return { problems, fencedPresent, unknownPresent };
}
