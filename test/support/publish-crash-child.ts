// Child process of the publish crash test: keeps changing rows and publishing Iceberg
// snapshots until killed. Prints "P <lsn>" after each acknowledged publish.
import { DB } from '../../src/index.js';

const [dir, url] = process.argv.slice(2);
const db = DB('crash', { path: dir!, durability: 'full', warehouse: { url: url! } });
await db.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)');
for (let round = 0; ; round++) {
  await db.transaction(async (tx) => {
    for (let i = 0; i < 50; i++) await tx.run('INSERT OR REPLACE INTO t VALUES (?, ?, ?)', [(round * 7 + i) % 200, round, `r${round}-${i}`]);
  });
  if (round % 3 === 2) await db.run('DELETE FROM t WHERE id % 11 = ?', [round % 11]);
  const [p] = await db.publishIceberg(['t']);
  process.stdout.write(`P ${p!.lsn}\n`);
}
