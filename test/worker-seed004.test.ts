// Seed 004's five use cases ("DoSQL Canonical Use Cases") in workerd, each in a user-style
// Durable Object (test/support/seed004-entry.ts, not dosql's DoSQL) that opens its database with
// DB('tenant', { storage: { hot: state.storage, cold: env.BUCKET }, migrations }) and the use
// case's schema as its migration. Every call runs the seed's own methods (seed004-cases.ts, the
// SQL verbatim) in the object and, in this process, on better-sqlite3 (the differential oracle);
// the answers must agree. Time-travel reads (FOR SYSTEM_TIME AS OF TIMESTAMP) are compared with
// the oracle's answer taken at that moment; use case 4 also compacts to R2 and survives a
// restart of the runtime.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParquet, writeParquet, type ColumnarSchema } from '../src/columnar/index.js';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';
import { SEED004_SCHEMAS } from './support/seed-sql.js';
import { USE_CASES, type Params, type SeedDb } from './support/seed004-cases.js';

const options = {
  config: join(ROOT, 'examples/worker/wrangler.toml'),
  entrypoint: join(ROOT, 'test/support/seed004-entry.ts'),
  alias: { 'dosql/worker': join(ROOT, 'src/worker/exports.ts') },
  token: null,
};

/** Where the oracle keeps what a query reads FROM 'r2://…' (better-sqlite3 reads no files: the literal becomes this table). */
const ARCHIVE = 'r2_archive';
const oracleSql = (sql: string): string => sql.replace(/'r2:\/\/[^']*'/g, ARCHIVE);

/** better-sqlite3 behind the seed's db interface, counting statements. */
class Oracle {
  readonly lite = new Database(':memory:');
  statements = 0;
  /** The distinct SQL texts run (dynamic queries count once per shape). */
  readonly distinct = new Set<string>();
  constructor(schema: string) {
    this.lite.pragma('foreign_keys = ON'); // dosql's default
    this.lite.exec(schema);
  }
  readonly db: SeedDb = {
    query: async (sql, params) => {
      this.statements++;
      this.distinct.add(sql);
      const st = this.lite.prepare(oracleSql(sql));
      return (st.reader ? st.all(...(params ?? [])) : (st.run(...(params ?? [])), [])) as never;
    },
    run: async (sql, params) => {
      this.statements++;
      this.distinct.add(sql);
      const r = this.lite.prepare(sql).run(...((params ?? []) as Params));
      return { lastRowId: r.lastInsertRowid, changes: r.changes };
    },
    transaction: async (fn) => {
      this.lite.exec('BEGIN');
      try {
        const out = await fn(this.db);
        this.lite.exec('COMMIT');
        return out;
      } catch (e) {
        this.lite.exec('ROLLBACK');
        throw e;
      }
    },
  };
}

const NOW_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** Through JSON as the object's answer is; CURRENT_TIMESTAMP texts of the last minutes become '<now>' (the engines may straddle a second). */
function normal(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
    typeof x === 'string' && NOW_TEXT.test(x) && Math.abs(Date.parse(`${x.replace(' ', 'T')}Z`) - Date.now()) < 300_000 ? '<now>' : x,
  );
}

/** Rows of an answer sorted (for the seed's ORDER BYs that tie on a one-second CURRENT_TIMESTAMP). */
function sortRows(v: unknown, key: string): unknown {
  const o = v as Record<string, unknown[]>;
  return { ...o, [key]: [...o[key]!].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const iso = (msAgo: number): number => Date.now() - msAgo;

describe("seed 004's five use cases in a user's own Durable Object in workerd, against better-sqlite3", () => {
  let w: RunningWorker;
  const oracles = new Map<number, Oracle>();
  /** Statements each use case ran in the object (the oracle runs the same count). */
  const ran: Record<number, number> = {};

  beforeAll(async () => {
    initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')));
    w = await startWorker(options);
  });
  afterAll(async () => {
    await w?.destroy();
    console.log('seed 004 statements run per use case:', JSON.stringify(ran), 'distinct:', JSON.stringify(Object.fromEntries([...oracles].map(([uc, o]) => [uc, o.distinct.size]))));
    for (const o of oracles.values()) o.lite.close();
  });

  const post = async (uc: number, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await w.api(path, { method: 'POST', headers: { 'x-tenant-id': `uc${uc}`, 'x-use-case': String(uc), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Puts `rows` in the bucket as a Parquet file at `key`. */
  const putParquet = async (key: string, rows: unknown[][], schema: ColumnarSchema): Promise<void> => {
    const res = await w.api(`/__test/object/${encodeURIComponent(key)}`, { method: 'PUT', body: writeParquet(rows as never, schema, { rowGroupRows: 4 }).bytes });
    expect(res.status, await res.text()).toBe(200);
  };

  /** Runs `method` in the object and on the oracle; returns both answers, normalised. */
  const call = async (uc: number, method: string, args: unknown = {}): Promise<{ got: unknown; want: unknown }> => {
    let o = oracles.get(uc);
    if (!o) oracles.set(uc, (o = new Oracle(SEED004_SCHEMAS[uc - 1]!)));
    const r = await post(uc, '/call', { method, args });
    expect(r.body.error, `${method} in workerd`).toBeUndefined();
    const before = o.statements;
    const want = await USE_CASES[uc]![method]!(o.db, args as never);
    expect(r.body.statements, `${method}: statements run`).toBe(o.statements - before);
    ran[uc] = (ran[uc] ?? 0) + (r.body.statements as number);
    return { got: normal(r.body.result), want: normal(want) };
  };
  /** call() and expect the answers equal. */
  const same = async (uc: number, method: string, args: unknown = {}, sortKey?: string): Promise<unknown> => {
    const { got, want } = await call(uc, method, args);
    if (sortKey) expect(sortRows(got, sortKey), method).toEqual(sortRows(want, sortKey));
    else expect(got, method).toEqual(want);
    return got;
  };

  it('use case 1 (multi-tenant SaaS): users, projects, tasks, their joins and updates', async () => {
    for (const u of [{ email: 'ada@acme.test', name: 'Ada', role: 'owner' }, { email: 'bob@acme.test', name: 'Bob' }, { email: 'cy@acme.test', name: 'Cy', role: 'admin' }]) await same(1, 'createUser', u);
    expect(await same(1, 'createProject', { name: 'Launch', description: 'v1', owner_id: 1 })).toEqual({ id: 1 });
    await same(1, 'createProject', { name: 'Docs', owner_id: 2 });
    const tasks = [
      { project_id: 1, title: 'spec', assignee_id: 2, priority: 2, due_date: '2026-01-10' },
      { project_id: 1, title: 'build', assignee_id: 1, priority: 5, due_date: '2026-02-01' },
      { project_id: 1, title: 'ship', priority: 1 },
      { project_id: 2, title: 'write', assignee_id: 3, priority: 3, due_date: '2026-01-05' },
      { project_id: 2, title: 'review', assignee_id: 2, priority: 3, due_date: '2026-01-03' },
    ];
    for (const t of tasks) await same(1, 'createTask', t);
    await same(1, 'updateTask', { id: 2, status: 'in_progress' });
    await same(1, 'updateTask', { id: 3, assignee_id: 3, priority: 4 });
    await same(1, 'updateTask', { id: 5, status: 'done' });
    await same(1, 'getUsers');
    // ORDER BY p.updated_at DESC: both projects were updated within the same second.
    expect(((await same(1, 'getProjects', {}, 'projects')) as { projects: unknown[] }).projects).toHaveLength(2);
    await same(1, 'getProjects', { status: 'archived' });
    for (const q of [{}, { project_id: '1' }, { status: 'todo' }, { assignee_id: '2' }, { project_id: '2', status: 'done', assignee_id: '2' }]) await same(1, 'getTasks', q);
  });

  it('use case 2 (collaborative workspace): presence, block operations, undo, history, time travel, restore, branch', async () => {
    await same(2, 'setup');
    await same(2, 'join', { userId: 'u1', userName: 'Ann' });
    await same(2, 'join', { userId: 'u2', userName: 'Ben' });
    const insert = (blockId: string, position: number, content: unknown, parentId?: string) => ({ userId: 'u1', op: { type: 'insert', blockId, position, content, ...(parentId ? { parentId } : {}) } });
    await same(2, 'operation', insert('b1', 1, { text: 'Title' }));
    await same(2, 'operation', insert('b2', 2, { text: 'Body' }));
    await same(2, 'operation', insert('b3', 1.5, { text: 'Child' }, 'b1'));
    // The moment to travel back to: blocks b1, b2, b3 as inserted. The oracle's answer is taken now.
    await sleep(30);
    const then = new Date().toISOString();
    const oracleThen = normal(await USE_CASES[2]!.blocks!(oracles.get(2)!.db, {} as never));
    await sleep(30);
    await same(2, 'operation', { userId: 'u2', op: { type: 'update', blockId: 'b2', content: { text: 'Body, edited' }, properties: { bold: true } } });
    await same(2, 'operation', { userId: 'u2', op: { type: 'move', blockId: 'b2', position: 0.5 } });
    await same(2, 'operation', { userId: 'u1', op: { type: 'delete', blockId: 'b3' } });
    await same(2, 'presenceUpdate', { userId: 'u2', presence: { cursorBlockId: 'b2', cursorOffset: 4 } });
    await same(2, 'join', { userId: 'u3', userName: 'Cat' });
    await same(2, 'join', { userId: 'u3', userName: 'Cathy' }); // the upsert's DO UPDATE branch
    await same(2, 'blocks');
    await same(2, 'undo', { userId: 'u1' }); // re-inserts b3 from its before_state
    await same(2, 'undo', { userId: 'u2' }); // restores b2's content from the update's before_state
    await same(2, 'undo', { userId: 'u3' }); // nothing to undo
    await same(2, 'blocks');
    // ORDER BY o.timestamp DESC: operations share their second, so the rows are compared as a set.
    await same(2, 'history', {}, 'history');
    await same(2, 'history', { limit: '50', before: '2999-01-01 00:00:00' }, 'history');
    await same(2, 'history', { before: '2000-01-01 00:00:00' });
    await same(2, 'leave', { userId: 'u3' });
    await same(2, 'join', { userId: 'u4', userName: 'Dan' });
    // handleRestore: the time-travel read in the object, equal to what the oracle held then…
    const r = await post(2, '/call', { method: 'blocksAsOf', args: { timestamp: then } });
    expect(r.body.error).toBeUndefined();
    expect(normal(r.body.result)).toEqual(oracleThen);
    // …then its write half with those blocks, on both: the document goes back to b1, b2, b3 as inserted.
    const before = await same(2, 'blocks');
    expect(before).not.toEqual(oracleThen);
    expect(await same(2, 'restoreBlocks', { blocks: r.body.result })).toEqual({ success: true, blocksRestored: 3 });
    expect(await same(2, 'blocks')).toEqual(oracleThen);
    // handleBranch: db.branch(name) (the oracle has no branches).
    expect((await post(2, '/branch', { name: 'draft' })).body).toEqual({ success: true, branch: 'draft' });
  });

  it('use case 3 (edge analytics): ingest with sessions and minute aggregates, queries, rollups, cleanup', async () => {
    const ev = (sessionId: string, eventType: string, page: string, msAgo: number, userId?: string) => ({
      sessionId, eventType, pageUrl: `https://shop.test${page}?q=1`, timestamp: iso(msAgo), userAgent: 'UA', ipAddress: '10.0.0.1', ...(userId ? { userId } : {}), eventData: { k: 1 },
    });
    const day = 86_400_000;
    const events = [
      ev('s1', 'pageview', '/', 60_000, 'alice'), ev('s1', 'pageview', '/', 60_000, 'alice'), ev('s1', 'click', '/buy', 120_000, 'alice'),
      ev('s2', 'pageview', '/', 60_000), ev('s3', 'pageview', '/about', 3 * 3_600_000, 'bob'),
      ev('s4', 'pageview', '/', day + 3_600_000, 'carl'), ev('s5', 'click', '/buy', day + 7_200_000),
      ev('s6', 'pageview', '/old', 9 * day, 'dora'), ev('s6', 'pageview', '/old', 9 * day), ev('s7', 'signup', '/old', 10 * day, 'ed'),
    ];
    for (const e of events) await same(3, 'ingest', e);
    for (const q of [{}, { range: 'hour' }, { range: 'week' }, { range: 'day', event_type: 'pageview' }, { range: 'year' }]) await same(3, 'query', q);
    await same(3, 'realtime');
    // GROUP BY without ORDER BY: SQLite promises no order (its answer comes in group order, dosql's need not).
    await same(3, 'syncToGlobal', {}, 'rollups');
    await same(3, 'cleanupExpiredData');
    await same(3, 'query', { range: 'week' });
    await same(3, 'realtime');
    // Cleanup twice: the daily upsert's ON CONFLICT DO UPDATE branch.
    for (const e of [ev('s8', 'pageview', '/old', 9 * day), ev('s9', 'signup', '/old', 10 * day)]) await same(3, 'ingest', e);
    await same(3, 'cleanupExpiredData');

    // queryHistorical over the region's Parquet archive in R2 (as the seed names it: the glob
    // r2://regional-archive/<region>/daily/*.parquet; any bucket name reads the cold bucket).
    const daily: ColumnarSchema = {
      columns: [
        { name: 'date', fieldId: 1, type: 'string', nullable: true },
        { name: 'event_type', fieldId: 2, type: 'string', nullable: true },
        { name: 'page_path', fieldId: 3, type: 'string', nullable: true },
        { name: 'total_events', fieldId: 4, type: 'long', nullable: true },
      ],
    };
    const o = oracles.get(3)!;
    o.lite.exec(`CREATE TABLE ${ARCHIVE} (date TEXT, event_type TEXT, page_path TEXT, total_events INTEGER)`);
    const ins = o.lite.prepare(`INSERT INTO ${ARCHIVE} VALUES (?, ?, ?, ?)`);
    for (const [region, file, n] of [['eu', '2026-10', 9], ['eu', '2026-11', 12], ['us', '2026-11', 5]] as const) {
      const rows = Array.from({ length: n }, (_, i) => [`${file}-${String((i % 6) + 1).padStart(2, '0')}`, ['pageview', 'click', 'signup'][i % 3]!, ['/', '/buy'][i % 2]!, BigInt(i * 7 + 1)]);
      if (region === 'eu') for (const r of rows) ins.run(r[0], r[1], r[2], r[3]);
      await putParquet(`${region}/daily/${file}.parquet`, rows, daily);
    }
    const hist = async (args: Record<string, string>): Promise<void> => {
      const { got, want } = await call(3, 'queryHistorical', { region: 'eu', ...args });
      expect(got, JSON.stringify(args)).toEqual(want);
      expect((got as unknown[]).length, JSON.stringify(args)).toBeGreaterThan(0);
    };
    // ORDER BY date alone: rows of one date tie, so the event type decides nothing; the test
    // asks one event type per call where the order matters, and all types for one day.
    await hist({ startDate: '2026-10-01', endDate: '2026-11-30', eventType: 'pageview' });
    await hist({ startDate: '2026-11-02', endDate: '2026-11-05', eventType: 'click' });
    const { got, want } = await call(3, 'queryHistorical', { region: 'eu', startDate: '2026-10-03', endDate: '2026-10-03' });
    expect(got).toEqual(want);
  });

  it('use case 4 (e-commerce inventory): reserve, confirm, release, expiry, restock, history, time travel; compacts to R2 and survives a restart', async () => {
    await same(4, 'setup', { sku: 'SKU-1', available: 10 });
    const now = new Date().toISOString();
    await same(4, 'reserve', { orderId: 'o1', quantity: 3, now });
    await same(4, 'reserve', { orderId: 'o1', quantity: 1, now }); // RESERVATION_EXISTS
    await same(4, 'reserve', { orderId: 'o2', quantity: 20, now }); // INSUFFICIENT_STOCK
    await same(4, 'reserve', { orderId: 'o2', quantity: 2, now });
    await same(4, 'reserve', { orderId: 'o3', quantity: 1, now: new Date(Date.now() - 3_600_000).toISOString() }); // expired an hour ago… in ISO text
    await same(4, 'reserve', { orderId: 'o4', quantity: 1, now: '2020-01-01T00:00:00.000Z', ttlMinutes: 1 });
    await same(4, 'confirm', { orderId: 'o1' });
    await same(4, 'confirm', { orderId: 'o1' }); // INVALID_STATUS_CONFIRMED
    await same(4, 'confirm', { orderId: 'nope' });
    await same(4, 'release', { orderId: 'o2', reason: 'cart abandoned' });
    await same(4, 'release', { orderId: 'o2' }); // CANNOT_RELEASE_RELEASED
    await sleep(30);
    const then = new Date().toISOString();
    const oracleThen = normal((oracles.get(4)!.lite.prepare('SELECT sku, available, reserved, sold FROM inventory').all())[0]);
    await sleep(30);
    await same(4, 'status');
    // expires_at (ISO, 'T') < CURRENT_TIMESTAMP (' ') compares as text, as the seed wrote it.
    await same(4, 'releaseExpiredReservations');
    await same(4, 'releaseExpiredReservations');
    await same(4, 'restock', { quantity: 5, reference: 'PO-9' });
    await same(4, 'restock', { quantity: 1 });
    await same(4, 'status');
    for (const q of [{}, { limit: '3' }, { operation: 'RESERVE' }, { operation: 'EXPIRE', limit: '10' }]) await same(4, 'history', q);
    const r = await post(4, '/call', { method: 'stateAt', args: { timestamp: then } });
    expect(r.body.error).toBeUndefined();
    expect(normal(r.body.result)).toEqual(oracleThen);
    expect(oracleThen).not.toEqual(normal(oracles.get(4)!.lite.prepare('SELECT sku, available, reserved, sold FROM inventory').get()));

    const compacted = await post(4, '/compact', {});
    expect(compacted.body.published).toEqual(expect.arrayContaining(['inventory', 'inventory_log', 'reservations']));
    const persistDir = w.persistDir;
    await w.stop();
    w = await startWorker({ ...options, persistDir });
    await same(4, 'status');
    for (const q of [{}, { operation: 'CONFIRM' }]) await same(4, 'history', q);
    await same(4, 'reserve', { orderId: 'o5', quantity: 4, now: new Date().toISOString() });
    await same(4, 'confirm', { orderId: 'o5' });
    await same(4, 'status');
    const again = await post(4, '/call', { method: 'stateAt', args: { timestamp: then } });
    expect(normal(again.body.result)).toEqual(oracleThen);
  });

  it('use case 5 (IoT telemetry): readings and minute aggregates, alert rules and alerts, queries, the data lifecycle', async () => {
    await same(5, 'createAlertRule', { sensorType: 'temperature', condition: 'gt', thresholdValue: 30, severity: 'critical' });
    await same(5, 'createAlertRule', { sensorType: 'co2', sensorId: 'c1', condition: 'range_outside', thresholdMin: 400, thresholdMax: 1000, cooldownSeconds: 60 });
    await same(5, 'createAlertRule', { sensorType: 'humidity', condition: 'lt', thresholdValue: 20, severity: 'info' });
    await same(5, 'getAlertRules');
    const r = (sensorId: string, sensorType: string, value: number, msAgo: number, quality?: number) => ({ sensorId, sensorType, value, unit: 'u', timestamp: iso(msAgo), ...(quality !== undefined ? { quality } : {}) });
    const hour = 3_600_000;
    await same(5, 'ingest', r('t1', 'temperature', 21.5, 60_000));
    await same(5, 'ingest', r('t1', 'temperature', 35, 60_000, 90)); // same minute: the upsert; the rules' camelCase fields are undefined as written
    await same(5, 'ingest', r('c1', 'co2', 1500, 120_000));
    await same(5, 'ingest', r('h1', 'humidity', 12, 30_000));
    await same(5, 'ingestBatch', [r('t2', 'temperature', 19, 2 * hour), r('t2', 'temperature', 19.5, 2 * hour), r('c1', 'co2', 800, 3 * hour), r('t1', 'temperature', 22, 30 * hour), r('t1', 'temperature', 23, 30 * hour + 60_000), r('t3', 'temperature', 18, 9 * 24 * hour), r('t3', 'temperature', 17, 40 * 24 * hour)]);
    await same(5, 'alertSocketInit');
    await same(5, 'getActiveAlerts');
    for (const q of [{}, { type: 'temperature', minutes: '10' }, { minutes: '600' }]) await same(5, 'realtimeQuery', q);
    for (const q of [{}, { sensor_id: 't1' }, { type: 'co2', hours: '48' }, { granularity: 'hour', hours: '2000' }]) await same(5, 'query', q);
    const alerts = ((await same(5, 'getActiveAlerts')) as { alerts: { id: number }[] }).alerts;
    expect(alerts.length).toBeGreaterThan(0);
    await same(5, 'acknowledgeAlert', { alertId: alerts[0]!.id, userId: 'ops' });
    if (alerts[1]) await same(5, 'resolveAlert', { alertId: alerts[1].id, resolvedAt: new Date(Date.now() - 2 * 24 * hour).toISOString().replace('T', ' ').slice(0, 19) });
    await same(5, 'getActiveAlerts');
    await same(5, 'runDataLifecycle');
    await same(5, 'runDataLifecycle'); // the hourly upsert's DO UPDATE branch (nothing new: no rows)
    for (const q of [{ granularity: 'hour', hours: '2000' }, { hours: '1000' }]) await same(5, 'query', q);
    await same(5, 'alertSocketInit');
  });

  it("use case 5's historical query over the building's Parquet archive in R2", async () => {
    const schema: ColumnarSchema = {
      columns: [
        { name: 'sensor_id', fieldId: 1, type: 'string', nullable: true },
        { name: 'value', fieldId: 2, type: 'double', nullable: true },
        { name: 'timestamp', fieldId: 3, type: 'string', nullable: true },
      ],
    };
    const rows = Array.from({ length: 30 }, (_, i) => [`t${i % 3}`, 15 + ((i * 37) % 100) / 10, `2026-11-${String((i % 5) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00.000Z`]);
    await putParquet('bldg-7/readings/part-0.parquet', rows, schema);
    const o = oracles.get(5)!;
    o.lite.exec(`CREATE TABLE ${ARCHIVE} (sensor_id TEXT, value REAL, timestamp TEXT)`);
    const ins = o.lite.prepare(`INSERT INTO ${ARCHIVE} VALUES (?, ?, ?)`);
    for (const r of rows) ins.run(...r);
    // As written on dosql (date_trunc is dosql's extension, PostgreSQL's and DuckDB's function);
    // better-sqlite3 has no date_trunc, so its side swaps in datetime(timestamp, 'start of day'),
    // the same text (ORDER BY day alone: the sensors of one day tie, so rows compare as a set).
    const args = { buildingId: 'bldg-7', start: '2026-11-01', end: '2026-11-04' };
    const liteError = await USE_CASES[5]!.historicalQuery!(o.db, args as never).then(() => 'answered', (e: Error) => e.message);
    expect(liteError).toMatch(/no such function: date_trunc/);
    for (const a of [args, { ...args, sensor_id: 't1' }, { ...args, end: '2026-11-09' }]) {
      const asWritten = await post(5, '/call', { method: 'historicalQuery', args: a });
      const want = await USE_CASES[5]!.historicalQuery!(o.db, { ...a, sqliteDay: true } as never);
      expect(asWritten.body.error, 'historicalQuery as written in workerd').toBeUndefined();
      const got = normal(asWritten.body.result);
      expect(sortRows(got, 'data'), JSON.stringify(a)).toEqual(sortRows(normal(want), 'data'));
      expect((got as { data: unknown[] }).data.length).toBeGreaterThan(0);
    }
  });
});
