// The Worker's input plumbing in Node (the same code runs in workerd; test/worker-input.test.ts
// drives it there): bodies limited by bytes as they stream in, UTF-8 checked, percent-encoding
// decoded to typed errors, and WebSocket messages limited and checked the same way.
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import type { WorkerWebSocket } from './cf-types.js';
import type { DatabaseHost } from './database-host.js';
import { asDoSQLError, decodePathSegment, MAX_BODY_BYTES, readBody, readJsonObject } from './http-wire.js';
import { handleSocketMessage } from './websocket-api.js';

/** A POST whose body arrives as `chunks`, with no content-length; `pulled` counts chunks read. */
function chunked(chunks: Uint8Array[]): { req: Request; pulled: () => number } {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
  return { req: new Request('http://x/db/a/query', { method: 'POST', body, duplex: 'half' } as RequestInit), pulled: () => i };
}

const refusal = async (p: Promise<unknown>): Promise<DoSQLError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DoSQLError);
  return e as DoSQLError;
};

describe('readBody', () => {
  it('keeps a body of exactly the limit and refuses one byte more with 413, counting bytes not characters', async () => {
    const euro = new TextEncoder().encode('€'.repeat(10)); // 30 bytes, 10 UTF-16 units
    expect(await readBody(chunked([euro.subarray(0, 7), euro.subarray(7)]).req, 30)).toEqual(euro);
    const e = await refusal(readBody(chunked([euro, new Uint8Array(1)]).req, 30));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details).toMatchObject({ status: 413, limit: 30 });
    expect((await refusal(readBody(chunked([euro]).req, 29))).details.status).toBe(413);
  });

  it('keeps nothing past the limit: chunks after it are read and dropped', async () => {
    const big = new Uint8Array(1000);
    const { req, pulled } = chunked(Array.from({ length: 50 }, () => big));
    expect((await refusal(readBody(req, 2500))).details.status).toBe(413);
    // Drained to the end, so the answer is not lost with unread bytes on the connection.
    expect(pulled()).toBe(50);
  });

  it('refuses a declared content-length over the limit before reading', async () => {
    const req = new Request('http://x/', { method: 'POST', body: 'x'.repeat(100), headers: { 'content-length': '100' } });
    expect((await refusal(readBody(req, 99))).details.status).toBe(413);
  });

  it('parses a JSON object body; invalid UTF-8, bad JSON and non-objects are INVALID_ARGUMENT', async () => {
    expect(await readJsonObject(new Request('http://x/', { method: 'POST', body: '{"sql": "SELECT \'€\'"}' }))).toEqual({ sql: "SELECT '€'" });
    expect(await readJsonObject(new Request('http://x/', { method: 'POST', body: '  ' }))).toEqual({});
    for (const body of [new Uint8Array([0x7b, 0xff, 0x7d]), '{', '[1]', 'null', '"s"']) {
      const e = await refusal(readJsonObject(new Request('http://x/', { method: 'POST', body })));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.details.status).toBeUndefined();
    }
  });
});

describe('path segments and stray errors', () => {
  it('decodes percent-encoding, and malformed encoding is INVALID_ARGUMENT naming the segment', () => {
    expect(decodePathSegment('a%20b', 'branch name')).toBe('a b');
    for (const s of ['%ff', '%E0%A4%A', '%', '%zz']) {
      expect(() => decodePathSegment(s, 'branch name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`branch name ${JSON.stringify(s)}`) }));
    }
  });

  it('maps a stray URIError to INVALID_ARGUMENT, not a retryable IO_ERROR', () => {
    let thrown: unknown;
    try {
      decodeURIComponent('%ff');
    } catch (e) {
      thrown = e;
    }
    expect(asDoSQLError(thrown).code).toBe('INVALID_ARGUMENT');
    expect(asDoSQLError(new Error('disk on fire')).code).toBe('IO_ERROR');
  });
});

describe('WebSocket messages', () => {
  /** Runs one message through the handler with a host that must never be reached; returns the reply. */
  const reply = async (data: string | ArrayBuffer): Promise<Record<string, unknown>> => {
    const sent: string[] = [];
    const ws = { send: (m: string) => sent.push(m) } as unknown as WorkerWebSocket;
    const host = new Proxy({}, { get: () => () => Promise.reject(new Error('host reached')) }) as DatabaseHost;
    await handleSocketMessage(host, ws, 'owner', data);
    expect(sent).toHaveLength(1);
    return JSON.parse(sent[0]!) as Record<string, unknown>;
  };

  it('refuses a message over the byte limit with 413, counting UTF-8 bytes of a text message', async () => {
    const over = await reply(`{"id": 1, "type": "query", "sql": "${'€'.repeat(Math.ceil(MAX_BODY_BYTES / 3))}"}`);
    expect(over).toMatchObject({ id: null, type: 'error', error: { code: 'INVALID_ARGUMENT', details: { status: 413, limit: MAX_BODY_BYTES } } });
    const overBinary = await reply(new ArrayBuffer(MAX_BODY_BYTES + 1));
    expect(overBinary).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT', details: { status: 413 } } });
  });

  it('refuses invalid UTF-8 and malformed JSON with INVALID_ARGUMENT', async () => {
    const bad = await reply(new Uint8Array([0x7b, 0xff, 0x7d]).buffer);
    expect(bad).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('UTF-8') } });
    for (const m of ['{', '[]', '5', '{"id": 2}', '{"id": 2, "type": "nope"}']) expect(await reply(m)).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT' } });
  });
});
