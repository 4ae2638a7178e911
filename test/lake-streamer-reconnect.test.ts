// The streamer over a WebSocket to a lake that goes away at a bad moment (the lake's kill -9
// test's drains, scripts/lake-kill-harness.ts): a scripted socket class stands in for the
// network, each connection served by a LakeHost on a real lake as `dosql lake serve` does, and
// the test drops connections and pushes signals where a real lake process would die, or a
// heartbeat time out, mid-session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLakehouseStreamer, type LakeSocket } from '../src/cdc/index.js';
import type { BackpressureSignal } from '../src/cdc/lake-protocol.js';
import { LakeHost, type Lake, type LakeConnection } from '../src/lake/index.js';
import { headLsn, lakeOn, source, until, warehouse, type Warehouse } from './support/lake-harness.js';

let w: Warehouse;
beforeAll(async () => {
  w = await warehouse();
});
afterAll(async () => {
  await w.close();
});

/** A network of scripted sockets to one LakeHost: every socket opened, its server side, and a way to cut it. */
function network(lake: Lake) {
  const live = new Set<{ conn: LakeConnection; socket: ScriptedSocket }>();
  const host = new LakeHost(lake, { flushIntervalMs: 3_600_000, maintenanceIntervalMs: 0, connections: (id) => [...live].filter((c) => id === undefined || c.conn.sourceId === id).map((c) => c.conn), rearm: () => undefined });
  const opened: ScriptedSocket[] = [];

  class ScriptedSocket implements LakeSocket {
    private readonly listeners: Record<string, ((e: unknown) => void)[]> = {};
    private chain: Promise<void> = Promise.resolve();
    private entry: { conn: LakeConnection; socket: ScriptedSocket };
    closed = false;

    constructor(url: string) {
      const sourceId = new URL(url).searchParams.get('source') ?? '';
      const conn: LakeConnection = {
        sourceId,
        send: (text) => {
          if (!this.closed) setTimeout(() => this.emit('message', { data: text }), 0);
        },
        refuse: () => this.cut(),
      };
      this.entry = { conn, socket: this };
      live.add(this.entry);
      opened.push(this);
      setTimeout(() => this.emit('open', {}), 0);
    }

    send(data: string): void {
      if (this.closed) throw new Error('scripted socket: closed');
      this.chain = this.chain.then(() => host.message(this.entry.conn, data));
    }

    close(): void {
      this.closed = true;
      live.delete(this.entry);
    }

    addEventListener(type: string, l: (e: never) => void): void {
      (this.listeners[type] ??= []).push(l as (e: unknown) => void);
    }

    /** The connection breaks (the lake process died, a proxy dropped it): both ends see it closed. */
    cut(): void {
      this.close();
      this.emit('close', {});
    }

    /** A message from the lake side. */
    push(msg: unknown): void {
      this.emit('message', { data: JSON.stringify(msg) });
    }

    private emit(type: string, e: unknown): void {
      for (const l of this.listeners[type] ?? []) l(e);
    }
  }

  return { host, opened, WebSocket: ScriptedSocket };
}

const pause: BackpressureSignal = { type: 'pause', bufferUtilization: 0.95, suggestedDelayMs: 0, reason: 'flush_error', at: 1 };

describe('lakehouse streamer over a WebSocket that breaks', () => {
  it('paused by the lake when the connection drops: reconnects, takes the new session\'s signal, and delivers what it held (a drain stalled here for good)', async () => {
    const db = await source('rc1');
    const lake = await lakeOn(w, { namespace: 'rc1' });
    const net = network(lake);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    await db.run('INSERT INTO t VALUES (1, 1)');
    const s = createLakehouseStreamer({
      cdc: db,
      config: { sourceDoId: 'rc1', lakehouseUrl: 'ws://lake.test/lake/ingest', WebSocket: net.WebSocket, heartbeatInterval: 3_600_000, retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 1000 } },
    });
    await s.start();
    await until(async () => Number(s.getStatus().lastAckLSN) >= (await headLsn(db)));
    // The lake pauses its sources (three failed flushes in a row)...
    net.opened[0]!.push({ type: 'backpressure', signal: pause });
    expect(s.getStatus().state).toBe('paused');
    // ...a new commit is batched and waits for `resume`...
    await db.run('INSERT INTO t VALUES (2, 2)');
    const head = await headLsn(db);
    await until(() => s.getStatus().pendingBatches === 1);
    // ...and the connection that would carry it breaks (the lake restarted, or the heartbeat
    // gave up on a lake busy flushing). The new session's welcome says where the lake stands now.
    net.opened[0]!.cut();
    await until(() => Number(s.getStatus().lastAckLSN) >= head, 10_000, 'the held batch acknowledged after the reconnect');
    expect(net.opened.length).toBe(2);
    expect(s.getStatus().state).toBe('streaming');
    await net.host.flush();
    await s.waitCommitted(head);
    await s.stop();
    await lake.close();
    await db.close();
  });
});
