// npm run demo: the storage core on the embedded default (a local folder, ./.dosql/demo).
// Writes versioned rows, reads the present and the past, scans, survives a reopen.
// (The full demo on 3 million real flights arrives with the SQL engine and the cold tier.)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore, LsmEngine, WriteBatch } from '../src/index.js';

const dir = join(process.cwd(), '.dosql', 'demo');
rmSync(dir, { recursive: true, force: true });
const enc = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));
const dec = (b: Uint8Array | undefined): unknown => (b === undefined ? undefined : JSON.parse(new TextDecoder().decode(b)));
const ACCOUNTS = 1;

const t0 = performance.now();
let engine = await LsmEngine.open({ store: new FsObjectStore(dir), durability: 'full' });
const opened = await engine.write(new WriteBatch().put(ACCOUNTS, ['alice'], enc({ balance: 100 })).put(ACCOUNTS, ['bob'], enc({ balance: 50 })));
console.log(`commit ${opened.lsn}: opened two accounts`);
const moved = await engine.write(new WriteBatch().put(ACCOUNTS, ['alice'], enc({ balance: 70 })).put(ACCOUNTS, ['bob'], enc({ balance: 80 })));
console.log(`commit ${moved.lsn}: moved 30 from alice to bob (one atomic batch)`);
const closed = await engine.write(new WriteBatch().delete(ACCOUNTS, ['bob']));
console.log(`commit ${closed.lsn}: closed bob's account`);

console.log('\nnow:', { alice: dec(await engine.get(ACCOUNTS, ['alice'])), bob: dec(await engine.get(ACCOUNTS, ['bob'])) });
for (const lsn of [opened.lsn, moved.lsn]) {
  console.log(`as of LSN ${lsn}:`, { alice: dec(await engine.get(ACCOUNTS, ['alice'], { asOf: lsn })), bob: dec(await engine.get(ACCOUNTS, ['bob'], { asOf: lsn })) });
}

let batch = new WriteBatch();
for (let i = 0; i < 100_000; i++) {
  batch.put(2, [i], enc({ n: i, square: i * i }));
  if (batch.size === 1000) {
    await engine.write(batch);
    batch = new WriteBatch();
  }
}
await engine.flush();
let rows = 0;
for await (const _ of engine.scan(2, { gte: [1000], lt: [2000] })) rows++;
const last = [];
for await (const e of engine.scan(2, {}, { reverse: true, limit: 3 })) last.push(e.key[0]);
console.log(`\n100,000 rows in 100 commits; rows with key in [1000, 2000): ${rows}; last three keys: ${last.join(', ')}`);

await engine.close();
engine = await LsmEngine.open({ store: new FsObjectStore(dir) });
console.log(`reopened at LSN ${engine.lastVisibleLsn}; alice as of LSN ${opened.lsn}:`, dec(await engine.get(ACCOUNTS, ['alice'], { asOf: opened.lsn })));
const s = engine.stats();
console.log(`levels: ${s.levels.map((l) => `L${l.level} ${l.files} files ${(l.bytes / 1e6).toFixed(1)} MB`).join(', ')}; WAL ${s.wal.segment}`);
await engine.close();
console.log(`\ndone in ${((performance.now() - t0) / 1000).toFixed(2)} s; data in ${dir}`);
