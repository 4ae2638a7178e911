// `dosql lake serve` (a real process) and `dosql lake sync --lake <url>`: two databases in
// folders stream over WebSocket into the served lake; icebird reads every table through the
// server's /lake/objects (bearer token, Range) and it equals each database at its head, also
// after a second sync (exactly once across runs); the endpoints refuse a missing token (401);
// `--partition ev=day` puts each row of `ev` in the day partition of its `day` column.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { icebergManifests, icebergMetadata, icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCDC } from '../src/cdc/index.js';
import type { CliIO } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { DB } from '../src/node/db.js';

const ROOT = resolve(__dirname, '..');
const TOKEN = 'lake-serve-test-token';
let root: string;
let port: number;
let base: string;
let server: ChildProcess;
const realFetch = globalThis.fetch;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dosql-lake-serve-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'lake', 'serve', '--warehouse', join(root, 'lake'), '--port', String(port), '--token', TOKEN, '--url', `${base}/lake/objects`, '--flush-interval', '200', '--partition', 'ev=day'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((res, rej) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res(out.split('\n')[0]!);
    });
    server.once('close', (code) => rej(new Error(`lake serve exited (${code}): ${err}`)));
  });
  expect(JSON.parse(line)).toMatchObject({ listening: base, ingest: `ws://127.0.0.1:${port}/lake/ingest` });
  // icebird does not forward request options to manifests: add the token to every warehouse fetch.
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const u = input instanceof Request ? input.url : String(input);
    if (!u.startsWith(base)) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${TOKEN}`);
    return realFetch(u, { ...init, headers });
  }) as typeof fetch;
}, 60_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await new Promise((r) => server.once('close', r));
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
const canon = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));

interface TableLine {
  table: string;
  version: number;
  url: string;
  positions: Record<string, number>;
}

const tableLine = (out: string, name: string): TableLine =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TableLine)
    .find((x) => x.table === `default.${name}`)!;

/** The lake table's rows per source, through the server's /lake/objects, as [source, id, ...cols] strings. */
async function lakeRows(t: TableLine, cols: string[]): Promise<string[]> {
  const rows = (await icebergRead({ tableUrl: t.url, metadataFileName: `v${t.version}.metadata.json` })) as Record<string, unknown>[];
  return rows.map((r) => canon([r._dosql_source, ...cols.map((c) => r[c])])).sort();
}

async function dbRows(dbs: Record<string, string>, table: string, cols: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [id, path] of Object.entries(dbs)) {
    const db = open(path);
    for (const r of await db.query<Record<string, unknown>>(`SELECT * FROM ${table}`)) out.push(canon([id, ...cols.map((c) => r[c])]));
    await db.close();
  }
  return out.sort();
}

async function write(name: string, sql: string[], slot = false): Promise<number> {
  const db = open(name);
  if (slot) await createCDC(db).slots.createSlot('dosql-lake', 0n);
  for (const s of sql) await db.exec(s);
  const head = Number((await createCDC(db).stats()).headLSN);
  await db.close();
  return head;
}

describe('dosql lake serve + lake sync --lake', () => {
  it('streams two databases into the served lake, exactly once across runs; icebird reads it through /lake/objects', async () => {
    const hA = await write(
      'east',
      [
        'CREATE TABLE ev(id INTEGER PRIMARY KEY, day TEXT, v REAL)',
        "INSERT INTO ev VALUES (1, '2024-03-01', 1.5), (2, '2024-03-02', 2.5), (3, '2024-03-02', 3.5)",
        "UPDATE ev SET day = '2024-03-05' WHERE id = 1",
        'DELETE FROM ev WHERE id = 3',
      ],
      true,
    );
    const hB = await write('west', ['CREATE TABLE ev(id INTEGER PRIMARY KEY, day TEXT, v REAL)', "INSERT INTO ev VALUES (1, '2024-03-09', 9.0), (7, NULL, 7.0)"], true);
    const r1 = await dosql(['lake', 'sync', 'east', 'west', '--lake', base, '--token', TOKEN]);
    expect(r1.err).toBe('');
    expect(r1.code).toBe(0);
    expect(r1.out).toContain(JSON.stringify({ source: 'east', committed: hA }));
    expect(r1.out).toContain(JSON.stringify({ source: 'west', committed: hB }));
    const t1 = tableLine(r1.out, 'ev');
    expect(t1.positions).toEqual({ east: hA, west: hB });
    expect(await lakeRows(t1, ['id', 'day', 'v'])).toEqual(await dbRows({ east: 'east', west: 'west' }, 'ev', ['id', 'day', 'v']));

    // --partition ev=day: every data file sits in the day of its rows' `day` (NULL → dt=null).
    const meta = await icebergMetadata({ tableUrl: t1.url, metadataFileName: `v${t1.version}.metadata.json` });
    const files = (await icebergManifests(meta)).flatMap((m) => m.entries.filter((e) => e.status !== 2 && (e.data_file.content ?? 0) === 0).map((e) => e.data_file.file_path));
    const days = new Set(files.map((p) => /dt=([^/]+)\//.exec(p)?.[1]));
    // Row 1 moved from 03-01 to 03-05: its old version may sit (position-deleted) in dt=2024-03-01.
    for (const d of ['2024-03-02', '2024-03-05', '2024-03-09', 'null']) expect(days).toContain(d);
    for (const d of days) expect(['2024-03-01', '2024-03-02', '2024-03-05', '2024-03-09', 'null']).toContain(d);

    // A second sync applies only what is new.
    const hA2 = await write('east', ["INSERT INTO ev VALUES (4, '2024-03-02', 4.5)", 'UPDATE ev SET v = v + 10 WHERE id = 2']);
    const r2 = await dosql(['lake', 'sync', 'east', 'west', '--lake', base, '--token', TOKEN]);
    expect(r2.code).toBe(0);
    const t2 = tableLine(r2.out, 'ev');
    expect(t2.positions).toEqual({ east: hA2, west: hB });
    expect(await lakeRows(t2, ['id', 'day', 'v'])).toEqual(await dbRows({ east: 'east', west: 'west' }, 'ev', ['id', 'day', 'v']));
  }, 120_000);

  it('the endpoints: 401 without the token, status with the dolake_* metrics, Range → 206, no route → 404', async () => {
    const anon = await realFetch(`${base}/lake/status`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Bearer');
    const auth = { authorization: `Bearer ${TOKEN}` };
    const st = (await (await realFetch(`${base}/lake/status`, { headers: auth })).json()) as { metrics: Record<string, unknown>; snapshots: { metadataFileName: string; url: string }[] };
    for (const m of ['dolake_buffer_size_bytes', 'dolake_buffer_event_count', 'dolake_flush_duration_ms', 'dolake_parquet_file_size', 'dolake_connected_sources', 'dolake_snapshot_lag_ms']) expect(st.metrics).toHaveProperty(m);
    const snap = st.snapshots[0]!;
    const key = `${snap.url.slice(`${base}/lake/objects/`.length)}/metadata/${snap.metadataFileName}`;
    const whole = await realFetch(`${base}/lake/objects/${key}`, { headers: auth });
    expect(whole.status).toBe(200);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    const part = await realFetch(`${base}/lake/objects/${key}`, { headers: { ...auth, range: 'bytes=2-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-9/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(2, 10));
    const head = await realFetch(`${base}/lake/objects/${key}`, { method: 'HEAD', headers: auth });
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await realFetch(`${base}/lake/objects/_lake/state/x`, { headers: auth })).status).toBe(404);
    expect((await realFetch(`${base}/lake/nothing`, { method: 'POST', headers: auth })).status).toBe(404);
    const flushed = await realFetch(`${base}/lake/flush`, { method: 'POST', headers: auth });
    expect(flushed.status).toBe(200);
    const compacted = (await (await realFetch(`${base}/lake/compact`, { method: 'POST', headers: auth, body: JSON.stringify({ mode: 'full' }) })).json()) as Record<string, unknown>;
    expect(compacted).toBeTypeOf('object');
  }, 60_000);
});
