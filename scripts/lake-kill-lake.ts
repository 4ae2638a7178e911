// Lake child of the lake's kill -9 test (scripts/lake-kill-harness.ts): the lake as its own
// process, served by `dosql lake serve`'s server (src/node/lake-server.ts) on 127.0.0.1:<port>:
//   - warehouse `<warehouse>` (FsObjectStore, served to readers by the parent at `<url>`) behind
//     a FaultInjectingStore: puts fail or lose their acknowledgement, gets and lists fail, at
//     the rate `<faultRate>` (seeded);
//   - its own state in `<dir>/state` (FsObjectStore), durability 'full': a batch is acknowledged
//     only once it is fsync'd there;
//   - flushed by a timer here at random 0-150 ms intervals (LakeHost.flush: the sources' sockets
//     get `committed`), small files (maxRowsPerFile 30).
// Prints `R` once it listens, `F+` / `F- <ok|err> <faults injected so far>` around each flush
// (so the parent knows a kill landed mid-flush), and every second `L <json>`: per source what
// the lake holds (`received`) and has committed, each table's snapshot version, the buffer, the backpressure state, flushes ok /
// failed and the last flush error (the parent's drain tells a stall from slowness by these),
// until the parent kills it with SIGKILL.
import { join } from 'node:path';
import { openLake } from '../src/lake/index.js';
import { serveLake } from '../src/node/lake-server.js';
import { FaultInjectingStore } from '../src/storage/fault-store.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { PARQUET_WASM } from '../test/support/lake-harness.js';
import { Prng } from '../test/support/lake-workload.js';

const [dir, whDir, url, ns, portArg, seedArg, rateArg] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const seed = Number(seedArg);
const rate = Number(rateArg);
const r = new Prng(seed);
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));
const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

const files = new FsObjectStore(whDir);
const warehouse = new FaultInjectingStore(files, {
  seed,
  rules: [
    { op: 'put', kind: 'fail', probability: rate },
    { op: 'put', kind: 'tear', probability: rate },
    { op: 'get', kind: 'fail', probability: rate / 2 },
    { op: 'list', kind: 'fail', probability: rate },
  ],
});
const state = new FsObjectStore(join(dir, 'state'));
// Opening reads the warehouse too: retry through injected faults, as a restarted service would.
let lake;
for (let attempt = 0; ; attempt++) {
  try {
    lake = await openLake({ warehouse, state, url, namespace: ns, durability: 'full', flush: { auto: false, maxRowsPerFile: 30 }, parquetWasm: PARQUET_WASM });
    break;
  } catch (e) {
    if (attempt > 50) throw e;
    await sleep(5);
  }
}
const server = await serveLake({ lake, warehouse: files, port: Number(portArg), flushIntervalMs: 3_600_000, maintenanceIntervalMs: 0 });
out('R');
const injected = (): number => Object.values(warehouse.injected).reduce((a, b) => a + b, 0);
const flushes = { ok: 0, err: 0, events: 0, lastError: '' };
const open = lake;
const report = setInterval(() => {
  const st = open.status();
  const m = open.metrics();
  const sources = Object.fromEntries(st.sources.map((x) => [x.sourceId, { received: x.received, committed: x.committed }]));
  // A table committed by a flush that failed later is progress too (the next flush skips it).
  const versions = Object.fromEntries(st.tables.map((t) => [t.name, t.version]));
  out(`L ${JSON.stringify({ sources, versions, bufferedEvents: m.dolake_buffer_event_count, bufferedBytes: m.dolake_buffer_size_bytes, bp: `${st.backpressure.type}/${st.backpressure.reason}`, flushes, faults: injected() })}`);
}, 1000);
report.unref();
for (;;) {
  await sleep(r.int(150));
  out('F+');
  const ok = await server.host.flush().then(
    (f) => {
      flushes.events += f.events;
      return 'ok';
    },
    (e: unknown) => {
      flushes.lastError = (e instanceof Error ? e.message : String(e)).slice(0, 200);
      return 'err';
    },
  );
  flushes[ok === 'ok' ? 'ok' : 'err']++;
  out(`F- ${ok} ${injected()}`);
}
