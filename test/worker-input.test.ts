// Hostile input to the Worker as deployed (bundled by wrangler, run in workerd on loopback):
// every malformed request must answer a typed 4xx error, never a 5xx or a retryable code, and
// the database keeps serving. Malformed percent-encoding, bodies over the byte limit (counted
// as they stream in), invalid UTF-8, wrong JSON shapes and types, unknown routes and methods,
// and WebSocket messages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/worker/http-wire.js';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** Status and parsed body of a response, whatever its content type. */
async function read(res: Response): Promise<{ status: number; body: ErrorBody; text: string }> {
  const text = await res.text();
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    body = { error: { code: '(not JSON)', message: text } };
  }
  return { status: res.status, body, text };
}

describe('Worker input handling in workerd', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'dosql-worker-input-'));
  let w: RunningWorker;

  // A request the runtime leaves unanswered fails the test instead of hanging it.
  const send = async (path: string, init: RequestInit): Promise<{ status: number; body: ErrorBody; text: string }> => read(await w.api(path, { signal: AbortSignal.timeout(60_000), ...init }));
  /** Expects a typed error body with this status and code. */
  const refused = (r: { status: number; body: ErrorBody; text: string }, status: number, code: string): void => {
    expect(r.status, r.text.slice(0, 300)).toBe(status);
    expect(r.body.error.code, `${r.status} ${r.text.slice(0, 300)}`).toBe(code);
    expect(r.body.error.message).toMatch(/^worker: |^wire: |^sql: /);
  };
  const stillServing = async (): Promise<void> => {
    const r = await w.post<{ rows: unknown[] }>('/db/shop/query', { sql: 'SELECT count(*) AS n FROM t' });
    expect(r.status).toBe(200);
    expect(r.body.rows).toEqual([{ n: 1 }]);
  };

  beforeAll(async () => {
    w = await startWorker({ persistDir });
    const r = await w.post('/db/shop/exec', { sql: "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'one')" });
    expect(r.status).toBe(200);
  });

  afterAll(async () => {
    await w?.stop();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it('answers malformed percent-encoding in a database, branch or snapshot name with 400 INVALID_ARGUMENT', async () => {
    const sql = JSON.stringify({ sql: 'SELECT 1' });
    for (const [path, method] of [
      ['/db/%ff/query', 'POST'],
      ['/db/%E0%A4%A/query', 'POST'],
      ['/db/shop/branches/%E0%A4%A', 'DELETE'],
      ['/db/shop/branches/%ff/merge', 'POST'],
      ['/db/shop/snapshots/%E0%A4%A', 'DELETE'],
    ] as const) {
      const r = await send(path, { method, ...(method === 'POST' ? { body: sql } : {}) });
      refused(r, 400, 'INVALID_ARGUMENT');
      expect(r.body.error.message).toContain('percent-encoding');
    }
    await stillServing();
  });

  it('counts the body limit in bytes as a chunked body streams in, and answers 413 with a typed body', async () => {
    /** A chunked body (no content-length): a JSON query whose string literal is `chunks` MiB of `char`. */
    const stream = (char: string, chunks: number): ReadableStream<Uint8Array> => {
      const chunk = new TextEncoder().encode(char.repeat(1 << 20));
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === 0) c.enqueue(new TextEncoder().encode('{"sql": "SELECT length(\''));
          if (i === chunks) {
            c.enqueue(new TextEncoder().encode('\') AS n"}'));
            c.close();
          } else c.enqueue(chunk);
          i++;
        },
      });
    };
    const post = (body: ReadableStream<Uint8Array>) => send('/db/shop/query', { method: 'POST', body, duplex: 'half' } as RequestInit);
    // 15M U+20AC characters: 45 MB in UTF-8 but only 15M UTF-16 units, under the limit if
    // characters were counted.
    for (let round = 0; round < 3; round++) {
      const r = await post(stream('€', 15));
      refused(r, 413, 'INVALID_ARGUMENT');
      expect(r.body.error.details?.limit).toBe(MAX_BODY_BYTES);
    }
    // Under the limit in bytes, the same characters are accepted: 10M of them, 30 MB.
    const ok = await post(stream('€', 10));
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);
    expect((ok.body as unknown as { rows: unknown[] }).rows).toEqual([{ n: 10 << 20 }]);
    // A declared length over the limit is refused before reading.
    const declared = await send('/db/shop/query', { method: 'POST', body: new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20) });
    refused(declared, 413, 'INVALID_ARGUMENT');
    await stillServing();
  });

  it('refuses a body that is not valid UTF-8 with 400 INVALID_ARGUMENT', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"sql": "SELECT \''), 0xff, 0xfe, ...new TextEncoder().encode('\'"}')]);
    const r = await send('/db/shop/query', { method: 'POST', body: bytes });
    refused(r, 400, 'INVALID_ARGUMENT');
    expect(r.body.error.message).toContain('UTF-8');
  });

  it('answers wrong JSON shapes and types with 400 INVALID_ARGUMENT', async () => {
    const cases: [string, unknown][] = [
      ['/db/shop/query', { sql: 5 }],
      ['/db/shop/query', { sql: ['SELECT 1'] }],
      ['/db/shop/query', { sql: 'SELECT ?', params: 'x' }],
      ['/db/shop/query', { sql: 'SELECT ?', params: [{ $blob: '!!' }] }],
      ['/db/shop/query', { sql: 'SELECT ?', params: [[1]] }],
      ['/db/shop/query', { sql: 'SELECT 1', asOf: {} }],
      ['/db/shop/query', { sql: 'SELECT 1', asOf: -1 }],
      ['/db/shop/query', { sql: 'SELECT 1', asOf: 'yesterday' }],
      ['/db/shop/query', { sql: 'SELECT 1', safeIntegers: 'yes' }],
      ['/db/shop/query', { sql: 'SELECT 1', rowMode: 'table' }],
      ['/db/shop/query', { sql: 'SELECT 1', branch: 7 }],
      ['/db/shop/exec', { sql: null }],
      ['/db/shop/batch', { statements: {} }],
      ['/db/shop/batch', { statements: [null] }],
      ['/db/shop/transaction', { statements: [] }],
      ['/db/shop/transaction', { action: 'wat' }],
      ['/db/shop/transaction', { action: 'commit' }],
      ['/db/shop/branches', { name: 'b', fromLSN: 'x' }],
      ['/db/shop/branches', { name: 'b', fromLSN: -1 }],
      ['/db/shop/branches', {}],
      ['/db/shop/snapshots', { name: 3 }],
      ['/db/shop/admin/compact', { tier: 3 }],
      ['/db/shop/admin/compact', { tier: 'warm' }],
      ['/db/shop/admin/compact', { full: 'yes' }],
    ];
    for (const [path, body] of cases) {
      const r = await send(path, { method: 'POST', body: JSON.stringify(body) });
      expect([r.status, r.body.error.code], `${path} ${JSON.stringify(body)}: ${r.text.slice(0, 200)}`).toEqual([400, 'INVALID_ARGUMENT']);
    }
    for (const text of ['{"sql": "SELECT 1"', '[1, 2]', '"text"', 'null', '{"sql": "SELECT 1"} x']) refused(await send('/db/shop/query', { method: 'POST', body: text }), 400, 'INVALID_ARGUMENT');
    await stillServing();
  });

  it('binds a parameter and keeps a result column called __proto__ like any other name', async () => {
    const r = await send('/db/shop/query', { method: 'POST', body: '{"sql": "SELECT :__proto__ AS v", "params": {"__proto__": 5}}' });
    expect(r.status, r.text).toBe(200);
    expect((r.body as unknown as { rows: unknown[] }).rows).toEqual([{ v: 5 }]);
    const col = await send('/db/shop/query', { method: 'POST', body: JSON.stringify({ sql: 'SELECT 1 AS __proto__, 2 AS b' }) });
    expect(col.status).toBe(200);
    expect(col.text).toContain('"rows":[{"__proto__":1,"b":2}]');
  });

  it('answers unknown routes and methods with a typed 404 or 405, whether or not the request has a body', async () => {
    const cases: [string, string, number][] = [
      ['/nowhere', 'GET', 404],
      ['/db', 'POST', 404],
      ['/db/shop', 'GET', 404],
      ['/db/shop/nope', 'POST', 404],
      ['/db/shop/query', 'GET', 405],
      ['/db/shop/query', 'PUT', 405],
      ['/db/shop/query', 'DELETE', 405],
      ['/db/shop/branches/nope', 'DELETE', 404],
      ['/db/shop/health', 'PATCH', 405],
    ];
    // Refused before their body was read: under `wrangler dev` such requests sometimes came back
    // as a 503 "worker restarted mid-request"; repeat them so a stray one would show.
    for (let round = 0; round < 15; round++) {
      for (const [path, method, status] of cases) {
        const hasBody = method !== 'GET';
        const r = await send(path, { method, ...(hasBody ? { body: JSON.stringify({ sql: 'SELECT 1', round }) } : {}) });
        expect([r.status, r.body.error.code], `${method} ${path}: ${r.text.slice(0, 200)}`).toEqual([status, status === 405 ? 'INVALID_ARGUMENT' : 'NOT_FOUND']);
      }
    }
    await stillServing();
  });

  it('answers malformed WebSocket messages with typed errors and keeps the socket', async () => {
    const ws = new WebSocket(`${w.url.replace('http', 'ws')}/db/shop/ws`, ['dosql', `bearer.${w.token}`]);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('socket refused')));
    });
    const replies: Record<string, unknown>[] = [];
    ws.addEventListener('message', (e) => replies.push(JSON.parse(String(e.data)) as Record<string, unknown>));
    const next = async (data: string | Uint8Array): Promise<Record<string, unknown>> => {
      const n = replies.length;
      ws.send(data);
      const until = Date.now() + 10_000;
      while (replies.length === n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return replies[n] ?? { type: '(no reply)' };
    };
    const errorCode = (m: Record<string, unknown>): unknown => (m.type === 'error' ? (m.error as { code: string }).code : m.type);
    expect(errorCode(await next('{'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await next('[1]'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await next('{"id": 1}'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await next('{"id": 1, "type": 5}'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await next('{"id": 1, "type": "drop"}'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(await next('{"id": 1, "type": "batch", "statements": [5]}'))).toBe('INVALID_ARGUMENT');
    const bad = await next(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(errorCode(bad)).toBe('INVALID_ARGUMENT');
    expect((bad.error as { message: string }).message).toContain('UTF-8');
    // Still answering on the same socket.
    expect(await next('{"id": 9, "type": "exec", "sql": "SELECT 1"}')).toMatchObject({ id: 9, type: 'done' });
    ws.close();
  });
});
