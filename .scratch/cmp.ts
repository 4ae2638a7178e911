import Database from 'better-sqlite3';
import { DB } from '../src/index.js';
const setup = [
  'CREATE TABLE t(a INTEGER, b TEXT, c REAL, d)',
  "INSERT INTO t VALUES (1,'x',1.5,NULL),(2,'y',2.5,'q'),(3,'x',NULL,3),(4,'z',4.0,4.5),(5,'y',5.5,X'61'),(NULL,'x',6,2)",
];
const norm = (v: unknown) => typeof v === 'bigint' ? `${v}` : typeof v === 'number' ? (Number.isInteger(v) ? `${v}.0` : `${v}`) : v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : typeof v === 'string' ? `'${v}'` : String(v);
const main = async () => {
  const lite = new Database(':memory:'); lite.defaultSafeIntegers(true);
  for (const s of setup) lite.exec(s);
  const db = DB('x', { storage: 'memory' } as never);
  for (const s of setup) await db.exec(s);
  for (const q of process.argv.slice(2)) {
    let a: string, b: string;
    try { a = JSON.stringify((lite.prepare(q).raw().all() as unknown[][]).map(r => r.map(norm))); } catch (e) { a = 'ERR ' + (e as Error).message; }
    try { b = JSON.stringify(((await db.prepare(q).raw(true).safeIntegers(true).all()) as unknown[][]).map(r => r.map(norm))); } catch (e) { b = 'ERR ' + (e as Error).message.replace(/^sql: /, ''); }
    console.log(a === b ? 'SAME' : 'DIFF', q); if (a !== b) { console.log('  sqlite:', a); console.log('  dosql: ', b); }
  }
  await db.close();
};
main();
