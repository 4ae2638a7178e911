// Starts the real Worker (wrangler.toml, bundled by wrangler, run by workerd) on loopback for
// tests and the load script. Local state (Durable Object SQLite files, R2 objects) goes to
// `persistDir`, so stopping and starting again with the same folder is a runtime restart.
//
// Requests go straight to the Worker's own workerd socket, not through the port wrangler's dev
// server binds: that port is a second workerd (its ProxyWorker) that forwards each request over
// pooled keep-alive connections, whose idle timeouts on both ends are 5 s. A request sent on a
// connection idle for about 5 s races the other end closing it and fails with "Network
// connection lost"; wrangler 4.86's ProxyWorker then misreads that as a reload (it compares
// full URLs, not origins) and answers a POST with a 503 "Your worker restarted mid-request"
// page and parks a GET until a reload that never comes (cloudflare/workers-sdk issues 14641,
// 14593). On a loaded machine that hit the worker tests at random. The direct hop does not
// keep connections alive either (one connection per request, on loopback), so it cannot race
// workerd closing an idle one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { unstable_DevEnv } from 'wrangler';

/** pipelining 0: undici's switch for no keep-alive. */
const noKeepAlive = new Agent({ pipelining: 0 });

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface WorkerOptions {
  /** Folder for Durable Object and R2 state (default: a fresh temp folder). */
  persistDir?: string;
  /** The API token (default 'test-token'); null starts the Worker without one. */
  token?: string | null;
  /** Extra vars (DOSQL_MEMTABLE_BYTES, ...). */
  vars?: Record<string, string>;
  /** Another entry module (the test build with extra routes). */
  entrypoint?: string;
  /** Another wrangler config (default: the repository's wrangler.toml, the DoSQL Worker). */
  config?: string;
  compatibilityFlags?: string[];
  alias?: Record<string, string>;
}

export interface RunningWorker {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  token: string | null;
  persistDir: string;
  /** fetch relative to the base URL, with the bearer token unless `auth: false`. */
  api(path: string, init?: RequestInit & { auth?: boolean | string }): Promise<Response>;
  /** POST JSON, returning status and parsed body. */
  post<T = Record<string, unknown>>(path: string, body: unknown, init?: { auth?: boolean | string; headers?: Record<string, string> }): Promise<{ status: number; body: T }>;
  /** `timeoutMs`: abort a request the runtime leaves unanswered (polling loops retry). */
  get<T = Record<string, unknown>>(path: string, options?: { timeoutMs?: number }): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  /** Stops and removes the persist folder if this harness made it. */
  destroy(): Promise<void>;
}

export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.WRANGLER_SEND_METRICS = 'false';
  const ownDir = options.persistDir === undefined;
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'dosql-worker-'));
  const token = options.token === undefined ? 'test-token' : options.token;
  const vars: Record<string, string> = { ...(options.vars ?? {}) };
  if (token !== null) vars.DOSQL_TOKEN = token;
  const bindings: Record<string, { type: 'plain_text'; value: string }> = {};
  for (const [k, v] of Object.entries(vars)) bindings[k] = { type: 'plain_text', value: v };
  // unstable_startWorker, with the Worker's own address taken from the runtime's reloadComplete
  // event (what wrangler hands its ProxyWorker as the place to forward to).
  const devEnv = new unstable_DevEnv();
  let onDirect!: (url: string) => void;
  let onFailed!: (e: unknown) => void;
  const direct = new Promise<string>((res, rej) => {
    onDirect = res;
    onFailed = rej;
  });
  const dispatch = devEnv.dispatch.bind(devEnv);
  devEnv.dispatch = (event) => {
    if (event.type === 'reloadComplete') {
      const u = event.proxyData.userWorkerUrl;
      onDirect(`${u.protocol}//${u.hostname}:${u.port}`);
    }
    dispatch(event);
  };
  devEnv.on('error', onFailed);
  const worker = await devEnv.startWorker({
    config: options.config ?? join(ROOT, 'wrangler.toml'),
    ...(options.entrypoint ? { entrypoint: options.entrypoint } : {}),
    ...(options.compatibilityFlags ? { compatibilityFlags: options.compatibilityFlags } : {}),
    bindings,
    envFiles: [],
    sendMetrics: false,
    build: { ...(options.alias ? { alias: options.alias } : {}) },
    dev: { persist: persistDir, server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'error', watch: false, liveReload: false },
  });
  await worker.ready;
  const url = await direct;
  const authHeader = (auth: boolean | string | undefined): Record<string, string> => {
    if (auth === false || token === null) return typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : {};
    return { authorization: `Bearer ${typeof auth === 'string' ? auth : token}` };
  };
  const api: RunningWorker['api'] = (path, init = {}) => {
    const { auth, headers, ...rest } = init;
    const req = { ...rest, headers: { ...authHeader(auth), ...((headers as Record<string, string>) ?? {}) }, dispatcher: noKeepAlive } as UndiciRequestInit;
    return undiciFetch(url + path, req) as unknown as Promise<Response>;
  };
  const parse = async <T>(res: Response): Promise<{ status: number; body: T }> => {
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await worker.dispose();
  };
  return {
    url,
    token,
    persistDir,
    api,
    post: async (path, body, init = {}) =>
      parse(await api(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...(init.headers ?? {}) }, ...(init.auth !== undefined ? { auth: init.auth } : {}) })),
    get: async (path, options = {}) => parse(await api(path, options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {})),
    stop,
    destroy: async () => {
      await stop();
      if (ownDir) rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
