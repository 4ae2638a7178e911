// The HTTP API of one database (docs/workers.md): routes under /db/<name>/ once the Worker has
// authenticated the request and handed it to the database's Durable Object.
//
//   POST /query        { sql, params?, asOf?, branch?, txId?, safeIntegers?, rowMode? }
//   POST /exec         { sql, branch?, txId? }                 several statements, no params
//   POST /batch        { statements: [{ sql, params? }], branch? }   in order, each committed
//   POST /transaction  { statements: [...], branch? }          atomic, one commit
//                      { action: 'begin', branch? } -> { txId }; { action: 'commit'|'rollback', txId }
//   GET  /branches, POST /branches { name, parent?, from?, fromLSN? },
//   DELETE /branches/<b>?force=1, POST /branches/<b>/merge { into?, strategy?, message? }
//   GET  /snapshots, POST /snapshots { name?, branch? }, DELETE /snapshots/<s>
//   GET  /health, GET /health/deep (engine, hot and cold store checks; 503 when one fails),
//   GET  /admin/metrics (Prometheus text), GET /admin/status, GET /admin/cold, POST /admin/flush,
//   POST /admin/compact { full?, tier? }   (tier 'cold' publishes Iceberg snapshots to R2)
//   POST /admin/backup { incremental? }    a backup into R2 under the database's _backups/
import { DoSQLError } from '../errors.js';
import type { BackupResult } from '../sql/api/database.js';
import type { MergeStrategy } from '../sql/api/merge.js';
import { ARROW_STREAM_TYPE, resultToArrowStream } from '../util/arrow-result.js';
import { toTimePoint, type DatabaseHost, type StatementInput, type StatementResult } from './database-host.js';
import { decodeParams, decodePathSegment, discardBody, encodeResult, json, optBool, optNumber, optString, readJsonObject, reqString } from './http-wire.js';

/** What the object adds to the database API (status and maintenance live with the object). */
export interface ObjectControls {
  status(): Promise<Record<string, unknown>>;
  flush(): Promise<void>;
  compact(options: { full: boolean; tier: 'hot' | 'cold' }): Promise<unknown>;
  /** The database's objects in the cold tier (R2), under its prefix. */
  cold(): Promise<Record<string, unknown>>;
  /** A backup into the cold bucket under the database's `_backups/` (docs/format/backup.md). */
  backup(incremental: boolean): Promise<BackupResult>;
  /** The database's metrics in Prometheus' text format (seed 003's names and the engine's). */
  metrics(): Promise<string>;
  /** Checks of the engine, the hot store and the cold store: `{ ok, checks: { name: { ok, ms, error? } } }`. */
  deepHealth(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; ms: number; error?: string }> }>;
}

type Handler = (req: Request, body: Record<string, unknown>, args: string[], url: URL) => Promise<Response>;

interface Route {
  method: string;
  /** Path segments after /db/<name>/; ':x' matches one segment. */
  path: string[];
  handler: Handler;
}

export class HttpApi {
  private readonly routes: Route[];

  constructor(
    private readonly host: DatabaseHost,
    private readonly controls: ObjectControls,
  ) {
    const r = (method: string, path: string, handler: Handler): Route => ({ method, path: path.split('/').filter(Boolean), handler });
    this.routes = [
      r('POST', 'query', (req, b) => this.query(req, b)),
      r('POST', 'exec', (_q, b) => this.exec(b)),
      r('POST', 'batch', (_q, b) => this.batch(b)),
      r('POST', 'transaction', (_q, b) => this.transaction(b)),
      r('GET', 'branches', async () => json({ branches: await this.host.listBranches() })),
      r('POST', 'branches', (_q, b) => this.createBranch(b)),
      r('DELETE', 'branches/:b', async (_q, _b, [name], url) => {
        await this.host.deleteBranch(name!, url.searchParams.get('force') === '1' || url.searchParams.get('force') === 'true');
        return json({ deleted: name });
      }),
      r('POST', 'branches/:b/merge', (_q, b, [name]) => this.merge(name!, b)),
      r('GET', 'snapshots', async () => json({ snapshots: await this.host.listSnapshots() })),
      r('POST', 'snapshots', async (_q, b) => json(await this.host.createSnapshot(optString(b, 'name'), optString(b, 'branch')), 201)),
      r('DELETE', 'snapshots/:s', async (_q, _b, [name]) => {
        await this.host.deleteSnapshot(name!);
        return json({ deleted: name });
      }),
      r('GET', 'health', async () => {
        const engine = await this.host.engine();
        return json({ ok: true, lsn: engine.lastVisibleLsn });
      }),
      r('GET', 'health/deep', async () => {
        const h = await this.controls.deepHealth();
        return json(h, h.ok ? 200 : 503);
      }),
      r('GET', 'admin/metrics', async () => new Response(await this.controls.metrics(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })),
      r('GET', 'admin/status', async () => json(await this.controls.status())),
      r('GET', 'admin/cold', async () => json(await this.controls.cold())),
      r('POST', 'admin/flush', async () => {
        await this.controls.flush();
        return json({ ok: true });
      }),
      r('POST', 'admin/backup', async (_q, b) => {
        const incremental = b.incremental === undefined ? true : optBool(b, 'incremental');
        return json(await this.controls.backup(incremental));
      }),
      r('POST', 'admin/compact', async (_q, b) => {
        const tier = optString(b, 'tier') ?? 'hot';
        if (tier !== 'hot' && tier !== 'cold') throw new DoSQLError('INVALID_ARGUMENT', "worker: tier must be 'hot' or 'cold'");
        const result = await this.controls.compact({ full: optBool(b, 'full'), tier });
        return json({ ok: true, result });
      }),
    ];
  }

  /** Dispatches a request whose path below /db/<name>/ is `segments`. */
  async handle(req: Request, segments: string[], url: URL): Promise<Response> {
    let pathMatched = false;
    for (const route of this.routes) {
      const args = match(route.path, segments);
      if (!args) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      if (req.method === 'POST') return route.handler(req, await readJsonObject(req), args, url);
      await discardBody(req);
      return route.handler(req, {}, args, url);
    }
    if (pathMatched) throw new DoSQLError('INVALID_ARGUMENT', `worker: method ${req.method} not allowed on /${segments.join('/')}`, { details: { status: 405 } });
    throw new DoSQLError('NOT_FOUND', `worker: no route /${segments.join('/')}`, { details: { status: 404 } });
  }

  private async query(req: Request, b: Record<string, unknown>): Promise<Response> {
    const params = decodeParams(b.params);
    const asOf = b.asOf === undefined || b.asOf === null ? undefined : toTimePoint(b.asOf);
    const branch = optString(b, 'branch');
    const txId = optString(b, 'txId');
    const r = await this.host.query({ sql: reqString(b, 'sql'), ...(params ? { params } : {}), ...(asOf ? { asOf } : {}), ...(branch !== undefined ? { branch } : {}), ...(txId !== undefined ? { txId } : {}) });
    if ((req.headers.get('accept') ?? '').includes(ARROW_STREAM_TYPE) && r.columns.length > 0) {
      const headers: Record<string, string> = { 'content-type': ARROW_STREAM_TYPE, 'x-dosql-changes': String(r.changes) };
      if (r.lsn !== undefined) headers['x-dosql-lsn'] = String(r.lsn);
      return new Response(resultToArrowStream(r.columns, r.rows), { headers });
    }
    return json(encodeResult(r, resultOptions(b)));
  }

  private async exec(b: Record<string, unknown>): Promise<Response> {
    if (b.params !== undefined && b.params !== null) throw new DoSQLError('INVALID_ARGUMENT', 'worker: /exec runs a script and binds no parameters; send each statement with its params to /query');
    const branch = optString(b, 'branch');
    const txId = optString(b, 'txId');
    return json(await this.host.exec(reqString(b, 'sql'), { ...(branch !== undefined ? { branch } : {}), ...(txId !== undefined ? { txId } : {}) }));
  }

  private async batch(b: Record<string, unknown>): Promise<Response> {
    const results = await this.host.batch(statementsOf(b), optString(b, 'branch'));
    const o = resultOptions(b);
    return json({ results: results.map((r) => encodeResult(r, o)) });
  }

  private async transaction(b: Record<string, unknown>): Promise<Response> {
    const action = optString(b, 'action');
    if (action === undefined) {
      const { results, lsn } = await this.host.transaction(statementsOf(b), optString(b, 'branch'));
      const o = resultOptions(b);
      return json({ results: results.map((r: StatementResult) => encodeResult(r, o)), lsn });
    }
    if (action === 'begin') return json({ txId: await this.host.begin(optString(b, 'branch')) }, 201);
    if (action === 'commit') return json(await this.host.commit(reqString(b, 'txId')));
    if (action === 'rollback') {
      await this.host.rollback(reqString(b, 'txId'));
      return json({ ok: true });
    }
    throw new DoSQLError('INVALID_ARGUMENT', `worker: unknown transaction action ${JSON.stringify(action)} (begin, commit, rollback)`);
  }

  private async createBranch(b: Record<string, unknown>): Promise<Response> {
    const parent = optString(b, 'parent');
    const from = optString(b, 'from');
    const fromLSN = optNumber(b, 'fromLSN');
    const r = await this.host.createBranch(reqString(b, 'name'), { ...(parent !== undefined ? { parent } : {}), ...(from !== undefined ? { from } : {}), ...(fromLSN !== undefined ? { fromLSN } : {}) });
    return json(r, 201);
  }

  private async merge(source: string, b: Record<string, unknown>): Promise<Response> {
    const strategy = optString(b, 'strategy') as MergeStrategy | undefined;
    const into = optString(b, 'into');
    const message = optString(b, 'message');
    return json(await this.host.merge(source, { ...(into !== undefined ? { into } : {}), ...(strategy !== undefined ? { strategy } : {}), ...(message !== undefined ? { message } : {}) }));
  }
}

function match(pattern: string[], segments: string[]): string[] | null {
  if (pattern.length !== segments.length) return null;
  const args: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i]!.startsWith(':')) args.push(decodePathSegment(segments[i]!, pattern[i] === ':b' ? 'branch name' : 'snapshot name'));
    else if (pattern[i] !== segments[i]) return null;
  }
  return args;
}

function statementsOf(b: Record<string, unknown>): StatementInput[] {
  const list = b.statements;
  if (!Array.isArray(list) || list.length === 0) throw new DoSQLError('INVALID_ARGUMENT', 'worker: statements must be a non-empty array of { sql, params? }');
  return list.map((s, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as { sql?: unknown }).sql !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `worker: statements[${i}] must be { sql, params? }`);
    const params = decodeParams((s as { params?: unknown }).params);
    return { sql: (s as { sql: string }).sql, ...(params ? { params } : {}) };
  });
}

function resultOptions(b: Record<string, unknown>): { bigints: boolean; objects: boolean } {
  const mode = optString(b, 'rowMode') ?? 'object';
  if (mode !== 'object' && mode !== 'array') throw new DoSQLError('INVALID_ARGUMENT', "worker: rowMode must be 'object' or 'array'");
  return { bigints: optBool(b, 'safeIntegers'), objects: mode === 'object' };
}
