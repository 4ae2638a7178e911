// Child process of test/readonly-readers.test.ts: an API reader, `DB(dir, { readonly: true })`,
// reading the writer's totals without pause until "stop" arrives on stdin. Each read is one
// statement (one snapshot); it prints every read as "r <json>" ({ n, total, s, sum }) and at
// the end "done <json>" (reads, failures).
import { DB } from '../../src/index.js';

const dir = process.argv[2]!;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const db = DB('app', { path: dir, readonly: true });
let stop = false;
process.stdin.on('data', (b: Buffer) => {
  if (b.toString().includes('stop')) stop = true;
});
let reads = 0;
const failures: string[] = [];
while (!stop) {
  try {
    const [r] = await db.query('SELECT (SELECT count(*) FROM w) AS n, (SELECT total FROM c) AS total, (SELECT sum(n) FROM w) AS s, (SELECT sum FROM c) AS sum');
    reads++;
    say(`r ${JSON.stringify(r)}`);
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? e);
    if (failures.length < 5) failures.push(`${code}: ${(e as Error).message}`);
    process.stderr.write(`failed ${code}: ${(e as Error).message}\n`);
  }
  await new Promise((r) => setTimeout(r, 5));
}
await db.close();
say(`done ${JSON.stringify({ reads, failures })}`);
process.stdin.destroy();
