// `dosql cdc`: the change stream of a database folder as NDJSON, in-process through
// main(argv, io): typed and raw events, --table and --from-lsn, a slot that is acknowledged as
// lines are written (a second run continues where the first stopped), --limit, and usage errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';
import { DB } from '../src/node/db.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-cdc-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dosql(args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (chunks: Buffer[]): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end('');
  const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: root };
  const code = await main(args, io);
  const text = Buffer.concat(out).toString('utf8');
  return { code, lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), err: Buffer.concat(err).toString('utf8') };
}

describe('dosql cdc', () => {
  it('prints the stream as NDJSON; --table, --raw, --from-lsn; a slot continues where the last run stopped', async () => {
    const path = join(root, 'shop');
    const db = DB('shop', { path, workerThreads: false });
    await db.exec('CREATE TABLE orders(id INTEGER PRIMARY KEY, total INT, note BLOB)');
    await db.exec('CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)');
    await db.run("INSERT INTO orders VALUES (1, 9007199254740993, x'00ff')");
    await db.run("INSERT INTO users VALUES (1, 'ann')");
    await db.run('UPDATE orders SET total = 5 WHERE id = 1');
    await db.close();

    const all = await dosql(['cdc', 'shop']);
    expect(all.err).toBe('');
    expect(all.code).toBe(0);
    expect(all.lines.map((l) => `${l.id} ${l.type}`)).toEqual([
      '1:0 begin', '1:1 schema_change', '1:2 commit',
      '2:0 begin', '2:1 schema_change', '2:2 commit',
      '3:0 begin', '3:1 insert', '3:2 commit',
      '4:0 begin', '4:1 insert', '4:2 commit',
      '5:0 begin', '5:1 update', '5:2 commit',
    ]);
    expect(all.lines[7]).toMatchObject({ table: 'orders', lsn: 3, data: { id: 1, total: { $bigint: '9007199254740993' }, note: { $blob: 'AP8=' } }, keyValues: [1] });
    expect(all.lines[13]).toMatchObject({ type: 'update', oldData: { total: { $bigint: '9007199254740993' } }, data: { total: 5 } });

    const orders = await dosql(['cdc', 'shop', '--table', 'orders', '--from-lsn', '2']);
    expect(orders.lines.map((l) => l.id)).toEqual(['3:0', '3:1', '3:2', '5:0', '5:1', '5:2']);
    const raw = await dosql(['cdc', 'shop', '--raw', '--from-lsn', '4', '--limit', '2']);
    expect(raw.lines).toEqual([
      expect.objectContaining({ id: '5:0', op: 'BEGIN' }),
      expect.objectContaining({ id: '5:1', op: 'UPDATE', table: 'orders', before: { id: 1, total: '9007199254740993', note: { $blob: 'AP8=' } }, after: { id: 1, total: 5, note: { $blob: 'AP8=' } } }),
    ]);

    expect((await dosql(['cdc', 'shop', '--create-slot', 'etl', '--from-lsn', '0'])).code).toBe(0);
    const first = await dosql(['cdc', 'shop', '--slot', 'etl', '--limit', '7']);
    expect(first.lines.at(-1)!.id).toBe('3:0');
    const db2 = DB('shop', { path, workerThreads: false });
    await db2.run("INSERT INTO users VALUES (2, 'bob')");
    await db2.close();
    const second = await dosql(['cdc', 'shop', '--slot', 'etl']);
    expect(second.lines.map((l) => l.id)).toEqual(['3:1', '3:2', '4:0', '4:1', '4:2', '5:0', '5:1', '5:2', '6:0', '6:1', '6:2']);
    const slots = await dosql(['cdc', 'shop', '--slots']);
    expect(slots.lines).toEqual([{ slot: 'etl', acknowledgedLSN: 6, lagLSNs: 0, lagBytes: 0 }]);
    expect((await dosql(['cdc', 'shop', '--drop-slot', 'etl'])).code).toBe(0);
    const gone = await dosql(['cdc', 'shop', '--slot', 'etl']);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('CDC_SLOT_NOT_FOUND');
    const bad = await dosql(['cdc', 'shop', '--from-lsn', 'x']);
    expect(bad.code).toBe(2);
  }, 60_000);
});
