// Child process of test/cli-busy.test.ts: an application that has a database folder open and
// writes to it without pause, until "stop" arrives on stdin (then it closes the database) or
// it is killed. Prints "ready" after its first acknowledged write, "n <count>" after every 100,
// "failed <code>" for each of its first failures, and at the end "done <json>": acknowledged
// writes, failed writes and the first failure codes.
import { DB } from '../../src/index.js';

const dir = process.argv[2]!;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const db = DB('busy', { path: dir });
await db.exec('CREATE TABLE IF NOT EXISTS w(id INTEGER PRIMARY KEY, pid INTEGER, n INTEGER)');
let stop = false;
process.stdin.on('data', (b: Buffer) => {
  if (b.toString().includes('stop')) stop = true;
});
let ok = 0;
let failed = 0;
const failures: string[] = [];
for (let n = 0; !stop; n++) {
  try {
    await db.run('INSERT INTO w(pid, n) VALUES (?, ?)', [process.pid, n]);
    ok++;
    if (ok === 1) say('ready');
    if (ok % 100 === 0) say(`n ${ok}`);
  } catch (e) {
    failed++;
    if (failures.length < 5) {
      const code = String((e as { code?: unknown }).code ?? e);
      failures.push(code);
      say(`failed ${code.replace(/\s+/g, ' ')}`);
    }
  }
  // Let stdin, timers (the lease heartbeat) and I/O callbacks run between writes.
  await new Promise((r) => setImmediate(r));
}
await db.close();
say(`done ${JSON.stringify({ ok, failed, failures })}`);
// Nothing else keeps the process alive (the lease heartbeat's timer is unref'd): it exits.
process.stdin.destroy();
