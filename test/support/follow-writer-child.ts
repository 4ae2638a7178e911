// Child process of test/readonly-readers.test.ts: the application, the database's one writer.
// Commits without pause, each transaction one row in w and the running totals in c (so a
// consistent snapshot has count(w) = c.total and sum(w.n) = c.sum), with a small memtable and
// low compaction triggers so flushes and compactions collect files under the readers. Prints
// "ready" after its first commit, "n <count>" after every 50, "failed <code>" for failures, and
// at the end "done <json>" (commits, failures, flushes and compactions).
import { DB } from '../../src/index.js';

const dir = process.argv[2]!;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const db = DB('app', { path: dir, memtableBytes: 16 * 1024, compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 12 } });
await db.exec('CREATE TABLE w(id INTEGER PRIMARY KEY, n INTEGER, pad TEXT); CREATE TABLE c(k INTEGER PRIMARY KEY, total INTEGER, sum INTEGER); INSERT INTO c VALUES (1, 0, 0)');
let stop = false;
process.stdin.on('data', (b: Buffer) => {
  if (b.toString().includes('stop')) stop = true;
});
let ok = 0;
const failures: string[] = [];
for (let n = 1; !stop; n++) {
  try {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO w(n, pad) VALUES (?, ?)', [n, 'p'.repeat(200)]);
      await tx.run('UPDATE c SET total = total + 1, sum = sum + ? WHERE k = 1', [n]);
    });
    ok++;
    if (ok === 1) say('ready');
    if (ok % 50 === 0) say(`n ${ok}`);
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? e);
    if (failures.length < 5) failures.push(code);
    say(`failed ${code.replace(/\s+/g, ' ')}`);
  }
  await new Promise((r) => setImmediate(r));
}
const s = (await db.engine()).stats();
await db.close();
say(`done ${JSON.stringify({ ok, failures, flushes: s.flush.count, compactions: s.compaction.compactions, filesDeleted: s.compaction.filesDeleted, manifestVersion: s.manifestVersion })}`);
process.stdin.destroy();
