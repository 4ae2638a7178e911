// `dosql lake sync`: databases in folders streamed into a lake folder, read back by icebird over
// loopback HTTP; a second run applies only the new commits (exactly once across runs); a
// database whose early log is gone is refused with LAKE_POSITION_GAP instead of a silent gap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCDC } from '../src/cdc/index.js';
import type { CliIO } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { DB } from '../src/node/db.js';
import { serveFolder, type StaticServer } from './support/static-server.js';

let root: string;
let server: StaticServer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dosql-lake-cli-'));
  server = await serveFolder(join(root, 'wh'));
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

async function dosql(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (c: Buffer[]): Writable => new Writable({ write: (chunk: Buffer, _e, cb) => (c.push(Buffer.from(chunk)), cb()) });
  const stdin = new PassThrough();
  stdin.end('');
  const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: join(root, 'home') };
  const code = await main(args, io);
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

const open = (name: string) => DB(name, { path: join(root, name), workerThreads: false, durability: 'normal' });
const norm = (rows: Record<string, unknown>[]): string[] => rows.map((r) => JSON.stringify([r.id, r.item, r.qty], (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();

async function lakeRows(out: string): Promise<string[]> {
  const t = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { table?: string; url?: string; version?: number }).find((x) => x.table === 'default.orders')!;
  return norm((await icebergRead({ tableUrl: t.url!, metadataFileName: `v${t.version}.metadata.json` })) as Record<string, unknown>[]);
}

describe('dosql lake sync', () => {
  it('streams a database into the lake; a second run adds only what is new', async () => {
    let db = open('shop');
    await createCDC(db).slots.createSlot('dosql-lake', 0n); // with the database: its whole history stays
    await db.exec('CREATE TABLE orders(id INTEGER PRIMARY KEY, item TEXT, qty INT)');
    await db.run("INSERT INTO orders VALUES (1, 'pen', 2), (2, 'ink', 1), (3, 'cap', 5)");
    await db.run('UPDATE orders SET qty = 9 WHERE id = 2');
    await db.run('DELETE FROM orders WHERE id = 3');
    const head1 = Number((await createCDC(db).stats()).headLSN);
    await db.close();
    const r1 = await dosql(['lake', 'sync', 'shop', '--warehouse', 'wh', '--url', server.base]);
    expect(r1.err).toBe('');
    expect(r1.code).toBe(0);
    expect(r1.out).toContain(JSON.stringify({ source: 'shop', committed: head1 }));
    db = open('shop');
    expect(await lakeRows(r1.out)).toEqual(norm(await db.query('SELECT * FROM orders')));
    await db.run("INSERT INTO orders VALUES (4, 'box', 3)");
    await db.run("UPDATE orders SET item = 'pencil' WHERE id = 1");
    await db.close();
    const r2 = await dosql(['lake', 'sync', 'shop', '--warehouse', 'wh', '--url', server.base]);
    expect(r2.code).toBe(0);
    db = open('shop');
    expect(await lakeRows(r2.out)).toEqual(norm(await db.query('SELECT * FROM orders')));
    await db.close();
    // Nothing new: nothing applied twice.
    const r3 = await dosql(['lake', 'sync', 'shop', '--warehouse', 'wh', '--url', server.base]);
    expect(r3.code).toBe(0);
    expect(await lakeRows(r3.out)).toEqual(await lakeRows(r2.out));
  });

  it('refuses a database whose log no longer starts at its first commit (LAKE_POSITION_GAP)', async () => {
    const db = open('old');
    await db.exec('CREATE TABLE orders(id INTEGER PRIMARY KEY, item TEXT, qty INT)');
    await db.run("INSERT INTO orders VALUES (1, 'pen', 2)");
    await (await db.engine()).flush();
    await db.close();
    const r = await dosql(['lake', 'sync', 'old', '--warehouse', 'wh2']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/LAKE_POSITION_GAP/);
  });
});
