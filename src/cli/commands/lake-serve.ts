// dosql lake serve --warehouse <dir> [--port N] [--host H] [--token T] [--url U] [--namespace N]
//                  [--key-scope T=global …] [--partition T=col[:unit] …] [--flush-interval MS]
//                  [--max-buffer BYTES] [--event-threshold N] [--row-group-rows N]
//                  [--maintenance-interval MS]
// The lake as its own process (docs/lake.md, "Serving a lake"): the lake on <dir> (tables under
// warehouse/<ns>/<table>, state under _lake/state, durability full) served by
// src/node/lake-server.ts with the DoLake object's endpoints. Streamers connect with `dosql lake
// sync <db…> --lake http://host:port` or `createLakehouseStreamer({ config: { lakehouseUrl:
// 'ws://host:port/lake/ingest' } })`. Prints one JSON line `{ "listening": url, … }` once it
// accepts connections; on SIGINT / SIGTERM stops accepting, flushes what whole transactions are
// buffered and exits.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openLake } from '../../lake/index.js';
import { serveLake } from '../../node/lake-server.js';
import { FsObjectStore } from '../../storage/fs-store.js';
import { intOpt, parseCommand, stringOpt } from '../args.js';
import { println, usageError, type CliIO } from '../io.js';
import { USAGE } from '../usage.js';
import { tableOptions } from './lake-options.js';

const OPTIONS = {
  warehouse: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  url: { type: 'string' },
  namespace: { type: 'string' },
  'key-scope': { type: 'string', multiple: true },
  partition: { type: 'string', multiple: true },
  'flush-interval': { type: 'string' },
  'max-buffer': { type: 'string' },
  'event-threshold': { type: 'string' },
  'row-group-rows': { type: 'string' },
  'maintenance-interval': { type: 'string' },
} as const;

export async function lakeServeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCommand('lake', argv, OPTIONS, { min: 0, max: 0 });
  if (p.values.help) {
    println(io.stdout, USAGE.lake);
    return 0;
  }
  const dir = stringOpt(p, 'warehouse');
  if (dir === undefined) throw usageError('lake', 'lake serve needs --warehouse <dir>');
  const root = resolve(io.cwd, dir);
  mkdirSync(root, { recursive: true });
  const flushIntervalMs = intOpt('lake', p, 'flush-interval', 60_000);
  const store = new FsObjectStore(root);
  const lake = await openLake({
    warehouse: store,
    url: stringOpt(p, 'url') ?? pathToFileURL(root).href,
    ...(stringOpt(p, 'namespace') ? { namespace: stringOpt(p, 'namespace')! } : {}),
    tables: tableOptions(p),
    durability: 'full',
    flush: {
      auto: false,
      intervalMs: flushIntervalMs,
      maxBufferBytes: intOpt('lake', p, 'max-buffer', 64 * 1024 * 1024),
      eventThreshold: intOpt('lake', p, 'event-threshold', 10_000),
      rowGroupRows: intOpt('lake', p, 'row-group-rows', 100_000),
    },
    // No database in this process loads the Parquet writer's wasm: the lake does.
    parquetWasm: readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')),
  });
  const token = stringOpt(p, 'token') ?? process.env.DOLAKE_AUTH_TOKEN;
  const server = await serveLake({
    lake,
    warehouse: store,
    port: intOpt('lake', p, 'port', 0),
    host: stringOpt(p, 'host') ?? '127.0.0.1',
    ...(token ? { token } : {}),
    flushIntervalMs,
    maintenanceIntervalMs: intOpt('lake', p, 'maintenance-interval', 300_000),
  });
  println(io.stdout, JSON.stringify({ listening: server.url, ingest: `${server.url.replace(/^http/, 'ws')}/lake/ingest`, objects: `${server.url}/lake/objects`, warehouse: root }));
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  try {
    await server.close();
    await lake.flush().catch(() => undefined);
  } finally {
    await lake.close();
    await store.close();
  }
  return 0;
}
