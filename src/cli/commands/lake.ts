// dosql lake sync <db…> --warehouse <dir> [--follow] [--url U] [--namespace N] [--slot S]
//                 [--source-id ID] [--table T …] [--key-scope T=global …] [--flush-interval MS]
// Streams each database's changes into a lake of Iceberg v2 tables in <dir> (docs/lake.md):
// one in-process streamer per database, reading its replication slot (`dosql-lake` by
// default, made at LSN 0 when the database still has its whole log), into one in-process
// lake whose state lives in <dir>/_lake/state. Without --follow it stops once every database is
// committed up to the newest commit it had at start, and prints per source and per table what
// the lake holds (one JSON object a line). With --follow it flushes every --flush-interval ms
// (default 1000) until interrupted, then flushes and stops.
import { mkdirSync } from 'node:fs';
import { DoSQLError } from '../../errors.js';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCDC, createLakehouseStreamer, type LakehouseStreamer } from '../../cdc/index.js';
import { openLake, type LakeTableConfig } from '../../lake/index.js';
import type { Database } from '../../sql/api/database.js';
import { FsObjectStore } from '../../storage/fs-store.js';
import { boolOpt, intOpt, parseCommand, stringOpt } from '../args.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { USAGE } from '../usage.js';

const OPTIONS = {
  warehouse: { type: 'string' },
  url: { type: 'string' },
  namespace: { type: 'string' },
  slot: { type: 'string' },
  'source-id': { type: 'string' },
  table: { type: 'string', multiple: true },
  'key-scope': { type: 'string', multiple: true },
  'flush-interval': { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  ...TAKE_OVER_OPTION,
} as const;

const list = (v: unknown): string[] => ((v as string[] | undefined) ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');

export async function lakeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    println(io.stdout, USAGE.lake);
    return 0;
  }
  if (sub !== 'sync') throw usageError('lake', `lake: unknown subcommand ${JSON.stringify(sub)} (sync)`);
  const p = parseCommand('lake', rest, OPTIONS, { min: 1, max: Infinity });
  if (p.values.help) {
    println(io.stdout, USAGE.lake);
    return 0;
  }
  const dir = stringOpt(p, 'warehouse');
  if (dir === undefined) throw usageError('lake', 'lake sync needs --warehouse <dir>');
  if (p.positionals.length > 1 && stringOpt(p, 'source-id') !== undefined) throw usageError('lake', '--source-id names one database; give one <db>');
  const root = resolve(io.cwd, dir);
  mkdirSync(root, { recursive: true });
  const tables: Record<string, LakeTableConfig> = {};
  for (const s of list(p.values['key-scope'])) {
    const m = /^(.+)=(global|source)$/.exec(s);
    if (!m) throw usageError('lake', `--key-scope takes <table>=global|source, got ${JSON.stringify(s)}`);
    tables[m[1]!] = { keyScope: m[2] as 'global' | 'source' };
  }
  const follow = boolOpt(p, 'follow');
  const interval = intOpt('lake', p, 'flush-interval', 1000);
  const only = list(p.values.table);
  const store = new FsObjectStore(root);
  const lake = await openLake({
    warehouse: store,
    url: stringOpt(p, 'url') ?? pathToFileURL(root).href,
    ...(stringOpt(p, 'namespace') ? { namespace: stringOpt(p, 'namespace')! } : {}),
    tables,
    flush: { auto: follow, intervalMs: interval },
  });
  const sources: { id: string; db: Database; head: number; streamer: LakehouseStreamer }[] = [];
  try {
    for (const arg of p.positionals) {
      const { db, path } = await openDatabase(io.cwd, arg, { create: false, takeOver: boolOpt(p, 'take-over') });
      const id = stringOpt(p, 'source-id') ?? (path.split(/[\\/]/).pop() ?? 'db').replace(/[^A-Za-z0-9_.:-]/g, '_');
      const head = Number((await createCDC(db).stats()).headLSN);
      const streamer = createLakehouseStreamer({ cdc: db, config: { sourceDoId: id, lake, ...(stringOpt(p, 'slot') ? { slot: stringOpt(p, 'slot')! } : {}), ...(only.length ? { tables: only } : {}), maxBatchAge: Math.min(5000, interval) } });
      sources.push({ id, db, head, streamer });
      await streamer.start();
    }
    if (follow) {
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
    } else {
      for (const s of sources) {
        await untilAcked(s.streamer, s.head);
      }
    }
    await lake.flush();
    for (const s of sources) {
      if (!follow) await s.streamer.waitCommitted(s.head);
      await s.streamer.stop();
    }
    for (const s of lake.status().sources) println(io.stdout, JSON.stringify({ source: s.sourceId, committed: s.committed }));
    for (const t of lake.status().tables) {
      const snap = await lake.snapshot(t.name, t.namespace);
      println(io.stdout, JSON.stringify({ table: `${t.namespace}.${t.name}`, version: snap.version, url: snap.url, positions: snap.positions }));
    }
    return 0;
  } finally {
    for (const s of sources) {
      await s.streamer.stop().catch(() => undefined);
      await s.db.close().catch(() => undefined);
    }
    await lake.close();
    await store.close();
  }
}

/** Resolves once the streamer's lake holds every commit up to `head` (rejects if it fails). */
async function untilAcked(s: LakehouseStreamer, head: number): Promise<void> {
  for (;;) {
    const st = s.getStatus();
    if (st.state === 'error') throw new DoSQLError('IO_ERROR', `cli: lake sync: ${st.lastError ?? 'the lakehouse streamer failed'}`);
    if (Number(st.lastAckLSN) >= head) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
