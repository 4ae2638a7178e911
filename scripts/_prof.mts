import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB } from '../src/index.js';
import { createCDC } from '../src/cdc/index.js';
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const db = DB('p', { path: dir, workerThreads: false, durability: 'normal', retention: 0 });
await db.exec('CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT, score INT)');
const cdc = createCDC(db);
await cdc.slots.createSlot('s', 0n);
for (let c = 0; c < 2000; c++) {
  const vals: string[] = [];
  for (let i = 0; i < 100; i++) vals.push(`(${c * 100 + i}, 'name-${i}', ${i})`);
  await db.run(`INSERT INTO a VALUES ${vals.join(',')}`);
}
const head = (await db.engine()).lastVisibleLsn;
const t0 = performance.now();
let n = 0;
for await (const e of cdc.subscribe({ untilLSN: head }).subscribeChanges(0n)) { n++; void e; }
console.log(n, 'events', Math.round(n / ((performance.now() - t0) / 1000)), 'events/s');
await db.close();
