// The server side of the change-stream socket protocol (src/cdc/session.ts) over an in-memory
// transport: hello, events in batches, never more than `window` unacknowledged (the stream
// stops until an ack), acks advance the slot and are confirmed, a resumed session after the
// last acknowledgement continues exactly there, errors are sent before closing.
import { describe, expect, it } from 'vitest';
import { CdcSession, createCDC } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';

interface Msg {
  type: string;
  events?: { id: string; type: string }[];
  position?: string;
  error?: { code: string; message: string };
  headLSN?: number;
}

function transport(): { msgs: Msg[]; closed: { code: number; reason: string } | null; t: { send(s: string): void; close(c: number, r: string): void }; next(pred: (m: Msg) => boolean): Promise<Msg> } {
  const msgs: Msg[] = [];
  const waiters: { pred: (m: Msg) => boolean; res: (m: Msg) => void }[] = [];
  const out = {
    msgs,
    closed: null as { code: number; reason: string } | null,
    t: {
      send: (s: string) => {
        const m = JSON.parse(s) as Msg;
        msgs.push(m);
        for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.res(m));
      },
      close: (code: number, reason: string) => {
        out.closed = { code, reason };
      },
    },
    next: (pred: (m: Msg) => boolean) => {
      const found = msgs.find(pred);
      return found ? Promise.resolve(found) : new Promise<Msg>((res) => waiters.push({ pred, res }));
    },
  };
  return out;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('change-stream session', () => {
  it('window flow control, acknowledgements into the slot, resume after the last ack', async () => {
    const db = DB('sess', { storage: 'memory', workerThreads: false });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 10; i++) await db.run('INSERT INTO t VALUES (?, ?), (?, ?)', [i * 2, 'a', i * 2 + 1, 'b']);
    const cdc = createCDC(db);
    await cdc.slots.createSlot('w', 0n);
    const a = transport();
    const s = new CdcSession(cdc, { slot: 'w', window: 8, batch: 3 }, a.t);
    void s.run();
    expect((await a.next((m) => m.type === 'hello')).headLSN).toBe(11);
    await settle();
    const sent = (): string[] => a.msgs.flatMap((m) => (m.events ?? []).map((e) => e.id));
    // 8 in flight, and no more until an acknowledgement.
    expect(sent()).toEqual(['1:0', '1:1', '1:2', '2:0', '2:1', '2:2', '2:3', '3:0']);
    expect(Math.max(...a.msgs.filter((m) => m.events).map((m) => m.events!.length))).toBeLessThanOrEqual(3);
    await s.onMessage(JSON.stringify({ type: 'ack', position: '2:3' }));
    expect((await a.next((m) => m.type === 'acked')).position).toBe('2:3');
    expect((await cdc.slots.getSlot('w'))!.acknowledgedLSN).toBe(2n);
    await settle();
    expect(sent().length).toBe(8 + 7);
    await s.onMessage('not json');
    expect(a.msgs.at(-1)!.error!.code).toBe('INVALID_ARGUMENT');
    s.close();
    expect(a.closed).toEqual({ code: 1000, reason: 'closed' });
    // A new session from the slot (as after a lost connection): exactly after the acknowledgement.
    const b = transport();
    const s2 = new CdcSession(cdc, { slot: 'w', window: 100, batch: 100 }, b.t);
    void s2.run();
    await b.next((m) => m.type === 'events');
    expect(b.msgs.find((m) => m.events)!.events![0]!.id).toBe('3:0');
    s2.close();
    // A position the log lacks: an error message, then the socket closes.
    const c = transport();
    await new CdcSession(cdc, { fromLSN: 999, window: 10, batch: 10 }, c.t).run();
    expect(c.msgs.at(-1)!.error!.code).toBe('CDC_LSN_NOT_FOUND');
    expect(c.closed!.code).toBe(4000);
    await cdc.close();
    await db.close();
  });
});
