// The lake end to end in workerd (issue 16, "The same end to end in workerd"): two DoSQL objects
// written over HTTP stream from their alarm loops to a DoLake object, which keeps the Iceberg
// tables in (local) R2; icebird reads every table through the authenticated /lake/objects
// endpoint and must equal each source's `SELECT * … FOR SYSTEM_TIME AS OF LSN <the table's
// position for it>` — after the DoLake object and a DoSQL object were reset mid-stream, so
// nothing may be lost or doubled. A second test drives the ingest socket by hand: a batch that
// does not fit the buffer is NACKed `buffer_full` with a `pause` signal, and `resume` follows the
// flush that frees it.
import { join } from 'node:path';
import { icebergMetadata, icebergRead } from 'icebird';
import { Agent, fetch as undiciFetch, WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';
import { createLakehouseStreamer, type LakehouseStreamConfig } from '../src/cdc/index.js';
import { headLsn, source } from './support/lake-harness.js';

const WAREHOUSE = 'r2://dosql-lakehouse';
const noKeepAlive = new Agent({ pipelining: 0 });

interface Snapshot {
  name: string;
  url: string;
  version: number;
  metadataFileName: string;
  positions: Record<string, number>;
}

type Row = Record<string, unknown>;

describe('the lake on Workers (DoSQL → DoLake → R2 → icebird)', () => {
  let w: RunningWorker;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    w = await startWorker({
      entrypoint: join(ROOT, 'test/support/worker-test-entry.ts'),
      alias: { vitest: join(ROOT, 'test/support/worker-vitest-shim.ts'), 'node:worker_threads': join(ROOT, 'test/support/worker-node-stub.ts') },
      compatibilityFlags: ['nodejs_compat'],
      vars: {
        DOSQL_LAKE: 'default',
        DOSQL_LAKE_INTERVAL_MS: '100',
        DOSQL_IDLE_FLUSH_MS: '200',
        DOSQL_MEMTABLE_BYTES: '65536',
        CDC_BATCH_SIZE: '25',
        CDC_RETRY_DELAY_MS: '50',
        DOLAKE_FLUSH_INTERVAL_MS: '300',
        DOLAKE_MAX_BUFFER_SIZE: '65536',
        DOLAKE_MAINTENANCE_INTERVAL_MS: '0',
        DOLAKE_WAREHOUSE_URL: WAREHOUSE,
      },
    });
  }, 120_000);

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await w?.destroy();
  });

  /** icebird fetches the warehouse URL; this routes it to /lake/objects with `token` (null: none). */
  const readThroughEndpoint = (token: string | null): void => {
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const u = input instanceof Request ? input.url : String(input);
      if (!u.startsWith(`${WAREHOUSE}/`)) return realFetch(input, init);
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
      if (token) headers.authorization = `Bearer ${token}`;
      return undiciFetch(`${w.url}/lake/objects/${u.slice(WAREHOUSE.length + 1)}`, { ...(init as object), headers, dispatcher: noKeepAlive }) as unknown as Promise<Response>;
    }) as typeof fetch;
  };

  const exec = async (db: string, sql: string): Promise<number> => {
    const r = await w.post<{ lsn?: number }>(`/db/${db}/exec`, { sql });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.lsn!;
  };

  const lakeStatus = async (lake = 'default'): Promise<{ sources: { sourceId: string; committed: number }[]; snapshots: Snapshot[]; metrics: Record<string, unknown> }> => {
    const r = await w.get<Awaited<ReturnType<typeof lakeStatus>>>(`/lake/status?lake=${lake}`, { timeoutMs: 30_000 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  /** The source's rows as of `lsn`, numbers as JS numbers. */
  const asOf = async (db: string, table: string, lsn: number): Promise<Row[]> => {
    const r = await w.post<{ rows: Row[]; error?: { message: string } }>(`/db/${db}/query`, { sql: `SELECT * FROM ${table}`, asOf: { lsn } });
    if (r.status !== 200 && /no such table/i.test(r.body.error?.message ?? '')) return [];
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.rows;
  };

  const canon = (source: string, r: Row, columns: string[]): string => JSON.stringify([source, ...columns.map((c) => (typeof r[c] === 'bigint' ? Number(r[c]) : (r[c] ?? null)))]);

  /** icebird's rows of the table's committed snapshot vs each source as of its position (or `at`). */
  const compare = async (snap: Snapshot, sources: string[], at?: Record<string, number>): Promise<{ got: string[]; want: string[] }> => {
    readThroughEndpoint(w.token);
    const meta = (await icebergMetadata({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as unknown as { 'current-schema-id': number; schemas: { 'schema-id': number; fields: { id: number; name: string }[] }[] };
    const columns = meta.schemas.find((s) => s['schema-id'] === meta['current-schema-id'])!.fields.filter((f) => f.id > 4).map((f) => f.name);
    const rows = (await icebergRead({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as Row[];
    const got = rows.map((r) => canon(String(r._dosql_source), r, columns)).sort();
    const want: string[] = [];
    for (const s of sources) {
      const lsn = at?.[s] ?? snap.positions[s];
      if (lsn === undefined) continue;
      for (const r of await asOf(s, snap.name, lsn)) want.push(canon(s, r, columns));
    }
    return { got, want: want.sort() };
  };

  it('two databases stream into one lake; icebird over /lake/objects equals each source as of the lake positions, across resets', async () => {
    const dbs = ['east', 'west'];
    const head: Record<string, number> = {};
    for (const db of dbs) {
      await exec(db, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT, qty INTEGER, price REAL)');
      await exec(db, 'CREATE TABLE notes (body TEXT)');
    }
    for (let round = 0; round < 6; round++) {
      for (const db of dbs) {
        const base = round * 20;
        const values = Array.from({ length: 20 }, (_, i) => `(${base + i}, '${db}-item-${base + i}', ${i}, ${(base + i) * 1.25 + 0.5})`).join(', ');
        await exec(db, `INSERT INTO orders (id, item, qty, price) VALUES ${values}`);
        await exec(db, `UPDATE orders SET qty = qty + 100 WHERE id % 3 = ${round % 3}`);
        await exec(db, `DELETE FROM orders WHERE id % 7 = ${round % 7} AND id < ${base}`);
        head[db] = await exec(db, `INSERT INTO notes VALUES ('${db} round ${round}')`);
        if (round === 2) head[db] = await exec(db, 'ALTER TABLE orders ADD COLUMN note TEXT');
        if (round === 3) head[db] = await exec(db, `UPDATE orders SET note = 'n' || id WHERE id % 2 = 0`);
      }
      // Resets mid-stream: the lake (its socket drops; acknowledged batches are in its storage)
      // and one source (its streamer dies; the alarm starts another from the slot).
      if (round === 2) expect((await w.post('/lake/__test/evict', {})).status).toBe(200);
      if (round === 3) expect((await w.post('/db/east/__test/evict', {})).status).toBe(200);
      if (round === 4) await new Promise((r) => setTimeout(r, 300));
      if (round === 4) expect((await w.post('/lake/__test/evict', {})).status).toBe(200);
    }
    // Wait until the lake has committed every source up to its last write.
    let status = await lakeStatus();
    for (let i = 0; i < 240; i++) {
      const done = dbs.every((db) => (status.sources.find((s) => s.sourceId === db)?.committed ?? 0) >= head[db]!);
      if (done) break;
      await new Promise((r) => setTimeout(r, 500));
      status = await lakeStatus();
    }
    for (const db of dbs) {
      const why = async (): Promise<string> => JSON.stringify({ source: (await w.get<{ lake?: unknown }>(`/db/${db}/status`)).body.lake, lake: status.sources });
      expect(status.sources.find((s) => s.sourceId === db)?.committed, await why()).toBeGreaterThanOrEqual(head[db]!);
    }
    expect(status.snapshots.map((s) => s.name).sort()).toEqual(['notes', 'orders']);
    for (const snap of status.snapshots) {
      for (const db of dbs) expect(snap.positions[db], `${snap.name} ${db}`).toBeGreaterThan(0);
      const atPositions = await compare(snap, dbs);
      expect(atPositions.got.length).toBeGreaterThan(0);
      expect(atPositions.got, snap.name).toEqual(atPositions.want);
      // Caught up: the same rows as each source's head.
      const atHead = await compare(snap, dbs, head);
      expect(atHead.got, snap.name).toEqual(atHead.want);
    }
    const m = status.metrics;
    for (const k of ['dolake_buffer_size_bytes', 'dolake_buffer_event_count', 'dolake_flush_duration_ms', 'dolake_parquet_file_size', 'dolake_connected_sources', 'dolake_snapshot_lag_ms']) expect(m, k).toHaveProperty(k);
    // The endpoint is authenticated: no token, no bytes.
    const orders = status.snapshots.find((s) => s.name === 'orders')!;
    const key = `${orders.url.slice(WAREHOUSE.length + 1)}/metadata/${orders.metadataFileName}`;
    expect((await w.api(`/lake/objects/${key}`, { auth: false })).status).toBe(401);
    expect((await w.api('/lake/status', { auth: false })).status).toBe(401);
    const ranged = await w.api(`/lake/objects/${key}`, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
    expect((await w.api('/lake/objects/_lake/state/x')).status).toBe(404);
    readThroughEndpoint(null);
    await expect(icebergRead({ tableUrl: orders.url, metadataFileName: orders.metadataFileName })).rejects.toThrow();
    // Compaction and cleanup through the endpoints keep the table readable and equal.
    expect((await w.post('/lake/compact', { mode: 'full' })).status).toBe(200);
    expect((await w.post('/lake/cleanup', {})).status).toBe(200);
    const after = (await lakeStatus()).snapshots.find((s) => s.name === 'orders')!;
    const again = await compare(after, dbs);
    expect(again.got).toEqual(again.want);
  }, 300_000);

  it('a Node database streams to the DoLake object over WebSocket (lakehouseUrl, bearer token)', async () => {
    const db = await source('node-src');
    await db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT, v REAL)');
    for (let i = 0; i < 5; i++) await db.run(`INSERT INTO readings VALUES (${i}, 's${i % 2}', ${i}.5)`);
    await db.run('UPDATE readings SET v = v * 2 WHERE id % 2 = 0');
    await db.run('DELETE FROM readings WHERE id = 3');
    const s = createLakehouseStreamer({
      cdc: db,
      config: { sourceDoId: 'node-src', lakehouseUrl: `${w.url.replace('http', 'ws')}/lake/ingest?lake=ext`, token: w.token!, WebSocket: WebSocket as unknown as LakehouseStreamConfig['WebSocket'], retry: { initialDelayMs: 20, maxAttempts: 20 } },
    });
    await s.start();
    const head = await headLsn(db);
    await s.waitCommitted(head);
    await s.stop();
    const snap = (await lakeStatus('ext')).snapshots.find((x) => x.name === 'readings')!;
    expect(snap.positions['node-src']).toBe(head);
    readThroughEndpoint(w.token);
    const rows = (await icebergRead({ tableUrl: snap.url, metadataFileName: snap.metadataFileName })) as Row[];
    const got = rows.map((r) => canon(String(r._dosql_source), r, ['id', 'sensor', 'v'])).sort();
    const want = (await db.query(`SELECT * FROM readings FOR SYSTEM_TIME AS OF LSN ${head}`)).map((r) => canon('node-src', r as Row, ['id', 'sensor', 'v'])).sort();
    expect(got).toEqual(want);
    // A wrong token is refused before any object wakes.
    const bad = createLakehouseStreamer({ cdc: db, config: { sourceDoId: 'node-src', lakehouseUrl: `${w.url.replace('http', 'ws')}/lake/ingest?lake=ext`, token: 'wrong', WebSocket: WebSocket as unknown as LakehouseStreamConfig['WebSocket'], retry: { initialDelayMs: 1, maxAttempts: 2 } } });
    await expect(bad.start()).rejects.toThrow();
    await db.close();
  }, 120_000);

  it('a batch that does not fit is NACKed buffer_full with pause, and resume follows the flush that frees the buffer', async () => {
    const open = (source: string): Promise<{ ws: WebSocket; next: (pred: (m: Row) => boolean) => Promise<Row> }> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${w.url.replace('http', 'ws')}/lake/ingest?lake=probe&source=${source}`, ['dosql', `bearer.${w.token}`]);
        const inbox: Row[] = [];
        let wake: (() => void) | null = null;
        ws.addEventListener('message', (e) => {
          inbox.push(JSON.parse(String(e.data)) as Row);
          wake?.();
        });
        ws.addEventListener('error', () => reject(new Error('socket error')));
        const next = async (pred: (m: Row) => boolean): Promise<Row> => {
          for (let i = 0; i < 600; i++) {
            const at = inbox.findIndex(pred);
            if (at >= 0) return inbox.splice(at, 1)[0]!;
            await new Promise<void>((r) => {
              wake = r;
              setTimeout(r, 100);
            });
          }
          throw new Error(`no matching message; inbox ${JSON.stringify(inbox)}`);
        };
        ws.addEventListener('open', () => resolve({ ws, next }));
      });
    const ts = Date.now();
    const schema = { op: 'schema', lsn: 1, seq: 0, ts, table: 'probe', schema: { changeType: 'create_table', tableId: 1, columns: [{ name: 'id', type: 'INTEGER', notNull: false, primaryKey: true, defaultValue: null }, { name: 'body', type: 'TEXT', notNull: false, primaryKey: false, defaultValue: null }] } };
    const row = (lsn: number, seq: number, id: number): Row => ({ op: 'insert', lsn, seq, ts, table: 'probe', key: Buffer.from([1, id]).toString('base64'), data: { id, body: 'x'.repeat(1000) } });
    const batch = (source: string, sequenceNumber: number, after: string, events: Row[]): string => {
      const last = events.at(-1)!;
      const lastPosition = `${String(last.lsn)}:${String(last.seq)}`;
      return JSON.stringify({ type: 'batch', batch: { batchId: `${source}/${sequenceNumber}`, sourceDoId: source, sequenceNumber, firstLSN: events[0]!.lsn, lastLSN: last.lsn, afterPosition: after, lastPosition, complete: last.op === 'commit', createdAt: ts, sizeBytes: 0, isRetry: false, retryCount: 0, events } });
    };
    const a = await open('probe-a');
    const b = await open('probe-b');
    a.ws.send(JSON.stringify({ type: 'hello', v: 1, sourceId: 'probe-a', exactlyOnce: true }));
    b.ws.send(JSON.stringify({ type: 'hello', v: 1, sourceId: 'probe-b', exactlyOnce: true }));
    expect((await a.next((m) => m.type === 'welcome')).resumeAfter).toBe('0');
    await b.next((m) => m.type === 'welcome');
    // probe-a: an open transaction of ~65 KiB (no flush can take it) fills the 64 KiB buffer (an
    // empty buffer takes any batch).
    a.ws.send(batch('probe-a', 1, '0', [schema, ...Array.from({ length: 60 }, (_, i) => row(1, i + 1, i))]));
    expect((await a.next((m) => m.batchId === 'probe-a/1')).type).toBe('ack');
    const bRows = [schema, row(1, 1, 1), row(1, 2, 2), { op: 'commit', lsn: 1, seq: 3, ts }];
    b.ws.send(batch('probe-b', 1, '0', bRows));
    const nack = await b.next((m) => m.batchId === 'probe-b/1');
    expect(nack).toMatchObject({ type: 'nack', reason: 'buffer_full', retryable: true });
    expect(nack.retryAfterMs).toBeGreaterThan(0);
    expect((nack.backpressure as Row).type).toBe('pause');
    // probe-a commits: the flush takes its transaction, and the lake tells every source to resume.
    a.ws.send(batch('probe-a', 2, '1:60', [{ op: 'commit', lsn: 1, seq: 61, ts }]));
    expect((await a.next((m) => m.batchId === 'probe-a/2')).type).toBe('ack');
    expect((await a.next((m) => m.type === 'committed')).lsn).toBe(1);
    const resume = await b.next((m) => m.type === 'backpressure' && (m.signal as Row).type === 'resume');
    expect((resume.signal as Row).bufferUtilization).toBeLessThan(0.5);
    b.ws.send(batch('probe-b', 2, '0', bRows));
    expect((await b.next((m) => m.batchId === 'probe-b/2')).type).toBe('ack');
    a.ws.close();
    b.ws.close();
    const st = await lakeStatus('probe');
    expect((st.metrics.dolake_nacks_total as Record<string, number>).buffer_full).toBe(1);
  }, 120_000);
});
