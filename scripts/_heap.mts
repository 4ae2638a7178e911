import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB } from '../src/node/db.js';
import { createCDC } from '../src/cdc/index.js';
const gc = (globalThis as { gc?: () => void }).gc!;
const mb = () => { gc(); gc(); return process.memoryUsage().heapUsed / 1e6; };
const withSub = process.argv[2] === 'sub';
const rows = Number(process.argv[3] ?? 100000);
const dir = mkdtempSync(join(tmpdir(), 'cdcheap-'));
const db = DB('h', { path: dir, workerThreads: false, durability: 'off', memtableBytes: 1024 * 1024, retention: 0 });
await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
const cdc = createCDC(db);
const sub = cdc.subscribe({ maxBufferSize: 1000 });
const it = sub.subscribe(1n)[Symbol.asyncIterator]();
await db.run("INSERT INTO t VALUES (0, 'x')");
if (withSub) for (let i = 0; i < 3; i++) await it.next();
const h0 = mb();
const t0 = Date.now();
for (let c = 0; c < rows / 100; c++) {
  const vals: string[] = [];
  for (let i = 0; i < 100; i++) vals.push(`(${1 + c * 100 + i}, 'value-${i}')`);
  await db.run(`INSERT INTO t VALUES ${vals.join(',')}`);
}
const engine = await db.engine();
const h1 = mb();
console.log(`sub=${withSub} rows=${rows}: heap ${h0.toFixed(1)} -> ${h1.toFixed(1)} MB (+${(h1 - h0).toFixed(1)}) in ${Date.now() - t0} ms; feed ${(engine.log.feed.bytes / 1e6).toFixed(1)} MB; buffered ${sub.getStatus().bufferedEntries}; records read ${sub.getStatus().recordsRead}; retained WAL ${engine.manifest.walHistory.length} segments`);
if (withSub) {
  const t1 = Date.now();
  let n = 0;
  const head = engine.lastVisibleLsn;
  for (;;) { const r = await it.next(); n++; const e = r.value as { lsn: bigint; op: string }; if (Number(e.lsn) === head && e.op === 'COMMIT') break; }
  console.log(`drained ${n} events in ${Date.now() - t1} ms; heap after drain ${mb().toFixed(1)} MB`);
}
await it.return?.();
await db.close();
rmSync(dir, { recursive: true, force: true });
