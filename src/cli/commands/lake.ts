// dosql lake sync <db…> (--warehouse <dir> | --lake <url>) [--follow] [--url U] [--namespace N]
//                 [--slot S] [--source-id ID] [--table T …] [--key-scope T=global …]
//                 [--partition T=col[:unit] …] [--flush-interval MS] [--token T]
// dosql lake serve --warehouse <dir> … (lake-serve.ts)
// Streams each database's changes into a lake of Iceberg v2 tables (docs/lake.md): one streamer
// per database, reading its replication slot (`dosql-lake` by default, made at LSN 0 when the
// database still has its whole log), into one in-process lake whose state lives in
// <dir>/_lake/state — or, with --lake, into a lake served by `dosql lake serve` (or a DoLake
// Worker) over its WebSocket ingest endpoint. Without --follow it stops once every database is
// committed up to the newest commit it had at start, and prints per source and per table what
// the lake holds (one JSON object a line). With --follow it keeps streaming (an in-process lake
// flushes every --flush-interval ms, default 1000) until interrupted, then flushes and stops.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCDC, createLakehouseStreamer, type LakehouseStreamer, type LakeSocket } from '../../cdc/index.js';
import { DoSQLError } from '../../errors.js';
import { openLake, type Lake } from '../../lake/index.js';
import type { Database } from '../../sql/api/database.js';
import { FsObjectStore } from '../../storage/fs-store.js';
import { boolOpt, intOpt, parseCommand, stringOpt } from '../args.js';
import { println, usageError, type CliIO } from '../io.js';
import { openDatabase, TAKE_OVER_OPTION } from '../open-db.js';
import { USAGE } from '../usage.js';
import { lakeServeCommand } from './lake-serve.js';
import { listOpt, tableOptions } from './lake-options.js';

const OPTIONS = {
  warehouse: { type: 'string' },
  lake: { type: 'string' },
  token: { type: 'string' },
  url: { type: 'string' },
  namespace: { type: 'string' },
  slot: { type: 'string' },
  'source-id': { type: 'string' },
  table: { type: 'string', multiple: true },
  'key-scope': { type: 'string', multiple: true },
  partition: { type: 'string', multiple: true },
  'flush-interval': { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  ...TAKE_OVER_OPTION,
} as const;

export async function lakeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    println(io.stdout, USAGE.lake);
    return 0;
  }
  if (sub === 'serve') return lakeServeCommand(rest, io);
  if (sub !== 'sync') throw usageError('lake', `lake: unknown subcommand ${JSON.stringify(sub)} (sync, serve)`);
  const p = parseCommand('lake', rest, OPTIONS, { min: 1, max: Infinity });
  if (p.values.help) {
    println(io.stdout, USAGE.lake);
    return 0;
  }
  const dir = stringOpt(p, 'warehouse');
  const remote = stringOpt(p, 'lake');
  if ((dir === undefined) === (remote === undefined)) throw usageError('lake', 'lake sync needs --warehouse <dir> (a lake in this process) or --lake <url> (a lake served by `dosql lake serve`), not both');
  if (p.positionals.length > 1 && stringOpt(p, 'source-id') !== undefined) throw usageError('lake', '--source-id names one database; give one <db>');
  const follow = boolOpt(p, 'follow');
  const interval = intOpt('lake', p, 'flush-interval', 1000);
  const only = listOpt(p.values.table);
  let target: SyncTarget;
  if (remote !== undefined) {
    for (const o of ['url', 'namespace', 'key-scope', 'partition', 'flush-interval'] as const) {
      if (p.values[o] !== undefined) throw usageError('lake', `--${o} configures a lake in this process; with --lake the serving lake has its own (dosql lake serve)`);
    }
    target = await remoteTarget(remote, stringOpt(p, 'token') ?? process.env.DOLAKE_AUTH_TOKEN);
  } else {
    const root = resolve(io.cwd, dir!);
    mkdirSync(root, { recursive: true });
    const store = new FsObjectStore(root);
    const lake = await openLake({
      warehouse: store,
      url: stringOpt(p, 'url') ?? pathToFileURL(root).href,
      ...(stringOpt(p, 'namespace') ? { namespace: stringOpt(p, 'namespace')! } : {}),
      tables: tableOptions(p),
      flush: { auto: follow, intervalMs: interval },
    });
    target = localTarget(lake, store);
  }
  const sources: { id: string; db: Database; head: number; streamer: LakehouseStreamer }[] = [];
  try {
    for (const arg of p.positionals) {
      const { db, path } = await openDatabase(io.cwd, arg, { create: false, takeOver: boolOpt(p, 'take-over') });
      const id = stringOpt(p, 'source-id') ?? (path.split(/[\\/]/).pop() ?? 'db').replace(/[^A-Za-z0-9_.:-]/g, '_');
      const head = Number((await createCDC(db).stats()).headLSN);
      const streamer = createLakehouseStreamer({ cdc: db, config: { sourceDoId: id, ...target.endpoint, ...(stringOpt(p, 'slot') ? { slot: stringOpt(p, 'slot')! } : {}), ...(only.length ? { tables: only } : {}), maxBatchAge: Math.min(5000, interval) } });
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
    await target.flush();
    for (const s of sources) {
      if (!follow) await s.streamer.waitCommitted(s.head);
      await s.streamer.stop();
    }
    for (const line of await target.report()) println(io.stdout, JSON.stringify(line));
    return 0;
  } finally {
    for (const s of sources) {
      await s.streamer.stop().catch(() => undefined);
      await s.db.close().catch(() => undefined);
    }
    await target.close();
  }
}

/** Where `lake sync` streams to: a lake in this process or one served over the network. */
interface SyncTarget {
  endpoint: { lake: Lake } | { lakehouseUrl: string; token?: string; WebSocket: new (url: string, protocols?: string[]) => LakeSocket };
  flush(): Promise<void>;
  /** One line per source (committed LSN) and per table (version, URL, positions). */
  report(): Promise<unknown[]>;
  close(): Promise<void>;
}

function localTarget(lake: Lake, store: FsObjectStore): SyncTarget {
  return {
    endpoint: { lake },
    async flush() {
      await lake.flush();
    },
    async report() {
      const out: unknown[] = lake.status().sources.map((s) => ({ source: s.sourceId, committed: s.committed }));
      for (const t of lake.status().tables) {
        const snap = await lake.snapshot(t.name, t.namespace);
        out.push({ table: `${t.namespace}.${t.name}`, version: snap.version, url: snap.url, positions: snap.positions });
      }
      return out;
    },
    async close() {
      await lake.close();
      await store.close();
    },
  };
}

/** A lake served at `base` (`http://host:port`, as `dosql lake serve` prints it). */
async function remoteTarget(base: string, token: string | undefined): Promise<SyncTarget> {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw usageError('lake', `--lake takes the served lake's URL (http://host:port), got ${JSON.stringify(base)}`);
  }
  const root = u.href.replace(/\/+$/, '').replace(/\/lake$/, '');
  const ingest = `${root.replace(/^http/, 'ws')}/lake/ingest`;
  const WebSocket = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => LakeSocket }).WebSocket ?? ((await import('ws')).WebSocket as unknown as new (url: string, protocols?: string[]) => LakeSocket);
  const call = async (method: string, path: string): Promise<Record<string, unknown>> => {
    const r = await fetch(`${root}/lake${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new DoSQLError('IO_ERROR', `cli: lake sync: ${method} ${root}/lake${path}: ${r.status} ${JSON.stringify(body.error ?? body)}`);
    return body;
  };
  return {
    endpoint: { lakehouseUrl: ingest, ...(token ? { token } : {}), WebSocket },
    async flush() {
      await call('POST', '/flush');
    },
    async report() {
      const st = (await call('GET', '/status')) as { sources: { sourceId: string; committed: number }[]; snapshots: { namespace?: string; name?: string; version: number; url: string; positions: unknown }[] };
      return [...st.sources.map((s) => ({ source: s.sourceId, committed: s.committed })), ...st.snapshots.map((t) => ({ table: `${t.namespace}.${t.name}`, version: t.version, url: t.url, positions: t.positions }))];
    },
    async close() {},
  };
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
