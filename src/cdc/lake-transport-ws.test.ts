// The lake protocol over a WebSocket (lake-transport-ws.ts) on a scripted socket: answers are
// matched to calls, pushes reach listeners, and a connection that closes, goes silent (two
// heartbeat intervals), or sends `error` fails what is pending and resolves `lost()` — also
// when nothing is pending, which is how an idle streamer learns to reconnect.
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import type { CDCBatch, LakeCommitted } from './lake-protocol.js';
import { WebSocketLakeEndpoint, type LakeSocket } from './lake-transport-ws.js';

class FakeSocket implements LakeSocket {
  sent: string[] = [];
  closed = false;
  private readonly listeners: Record<string, ((e: unknown) => void)[]> = {};
  send(data: string): void {
    if (this.closed) throw new Error('closed');
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  addEventListener(type: string, l: (e: never) => void): void {
    (this.listeners[type] ??= []).push(l as (e: unknown) => void);
  }
  emit(type: 'message' | 'close', data?: unknown): void {
    for (const l of this.listeners[type] ?? []) l(type === 'message' ? { data: JSON.stringify(data) } : {});
  }
}

const hello = { type: 'hello' as const, v: 1, sourceId: 's', exactlyOnce: true };
const welcome = { type: 'welcome', v: 1, sourceId: 's', resumeAfter: '0', committed: 0, backpressure: { type: 'resume', bufferUtilization: 0, suggestedDelayMs: 0, reason: 'buffer', at: 0 } };
const batch = (n: number): CDCBatch => ({ batchId: `s/${n}`, sourceDoId: 's', sequenceNumber: n, firstLSN: n, lastLSN: n, afterPosition: String(n - 1), lastPosition: String(n), complete: true, createdAt: 0, sizeBytes: 0, isRetry: false, retryCount: 0, events: [] });
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function connected(o: { heartbeatIntervalMs?: number; ackTimeoutMs?: number } = {}): Promise<{ ep: WebSocketLakeEndpoint; ws: FakeSocket }> {
  const ws = new FakeSocket();
  const ep = new WebSocketLakeEndpoint({ connect: async () => ws, ...o });
  const w = ep.hello(hello);
  await tick(0);
  expect(JSON.parse(ws.sent[0]!)).toEqual(hello);
  ws.emit('message', welcome);
  expect(await w).toEqual(welcome);
  return { ep, ws };
}

describe('WebSocketLakeEndpoint', () => {
  it('matches answers to batches by id and sequence number and hands pushes to listeners', async () => {
    const { ep, ws } = await connected();
    const committed: LakeCommitted[] = [];
    ep.onCommitted('s', (c) => committed.push(c));
    const a = ep.ingest(batch(1));
    const b = ep.ingest(batch(2));
    expect(JSON.parse(ws.sent[1]!)).toMatchObject({ type: 'batch', batch: { batchId: 's/1' } });
    ws.emit('message', { type: 'nack', batchId: 's/2', sequenceNumber: 2, reason: 'buffer_full', retryable: true, message: 'full' });
    ws.emit('message', { type: 'ack', batchId: 's/1', sequenceNumber: 1, lsn: 1, position: '1' });
    expect(await a).toMatchObject({ type: 'ack', lsn: 1 });
    expect(await b).toMatchObject({ type: 'nack', reason: 'buffer_full' });
    ws.emit('message', { type: 'committed', sourceId: 's', lsn: 1, position: '1' });
    ws.emit('message', { type: 'committed', sourceId: 'other', lsn: 9, position: '9' });
    expect(committed.map((c) => c.lsn)).toEqual([1]);
    ep.close();
  });

  it('a socket closing while idle resolves lost(); a later call fails with IO_ERROR', async () => {
    const { ep, ws } = await connected();
    const lost = ep.lost();
    ws.emit('close');
    expect((await lost).code).toBe('IO_ERROR');
    expect(ep.connected).toBe(false);
    await expect(ep.ingest(batch(1))).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('pings when idle and drops a connection that stays silent for two heartbeat intervals', async () => {
    const { ep, ws } = await connected({ heartbeatIntervalMs: 30 });
    const pending = ep.ingest(batch(1));
    const err = await ep.lost();
    expect(err.message).toMatch(/no message from the lake/);
    expect(ws.sent).toContain('{"type":"ping"}');
    expect(ws.closed).toBe(true);
    await expect(pending).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('an error message from the lake fails pending calls with its code; a missing answer times out', async () => {
    const { ep, ws } = await connected();
    const p = ep.ingest(batch(1));
    ws.emit('message', { type: 'error', error: { code: 'INVALID_ARGUMENT', message: 'bad' } });
    await expect(p).rejects.toBeInstanceOf(DoSQLError);
    await expect(p).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const again = await connected({ ackTimeoutMs: 20 });
    await expect(again.ep.ingest(batch(1))).rejects.toThrow(/did not answer/);
    expect(again.ep.connected).toBe(false);
  });
});
