// A DoSQL object's stream into a DoLake object (docs/lake.md, "On Workers"), driven by the
// object's alarm loop. With DOSQL_LAKE set, every write asks for an alarm within
// DOSQL_LAKE_INTERVAL_MS; each alarm calls `tick()`, which starts a lakehouse streamer when the
// lake lacks commits (a WebSocket to `DOLAKE.idFromName(DOSQL_LAKE)` at /lake/ingest, the
// database name as source id, slot DOSQL_LAKE_SLOT) and asks to be called again while the
// lake has not committed everything; once it has, the streamer stops and the socket closes, so
// the object can hibernate (an outgoing socket would keep it awake).
//
// Nothing is lost when either object resets: the slot advances only on the lake's `committed`,
// the streamer reconnects with backoff and resumes from the lake's `welcome.resumeAfter`, and a
// DoSQL object that restarts gets its alarm again (the platform keeps alarms) and starts a new
// streamer from the slot.
import { createCDC, createLakehouseStreamer, WebSocketLakeEndpoint, type LakehouseStreamer, type LakeSocket } from '../cdc/index.js';
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import type { DurableObjectNamespace } from './cf-types.js';
import type { LakeLinkConfig } from './lake-config.js';

/** Ticks in a row without progress after which an idle streamer counts as caught up. */
const IDLE_TICKS = 3;

export class LakeLink {
  private streamer: LakehouseStreamer | null = null;
  private endpoint: WebSocketLakeEndpoint | null = null;
  private idle = { ticks: 0, ack: -1 };
  /** Streamers started so far (status). */
  private starts = 0;

  constructor(
    private readonly db: Database,
    private readonly name: string,
    private readonly lakes: DurableObjectNamespace,
    private readonly c: LakeLinkConfig & { lake: string },
  ) {}

  /**
   * Makes the stream's slot at the database's first commit when the log still has it (a slot
   * made later would leave the lake without the earlier history: LAKE_POSITION_GAP).
   */
  async init(): Promise<void> {
    const slots = createCDC(this.db).slots;
    if (await slots.getSlot(this.c.slot)) return;
    try {
      await slots.createSlot(this.c.slot, 0n);
    } catch (e) {
      if (!(e instanceof DoSQLError && e.code === 'CDC_LSN_NOT_FOUND')) throw e;
    }
  }

  /** One alarm's work; returns ms until the next tick is wanted, or null when the lake has everything. */
  async tick(): Promise<number | null> {
    const stats = await createCDC(this.db).stats();
    const head = Number(stats.headLSN);
    const slot = stats.slots.find((s) => s.name === this.c.slot);
    let s = this.streamer;
    if (s && (s.getStatus().state === 'error' || s.getStatus().state === 'stopped')) s = this.streamer = null;
    if (slot && Number(slot.acknowledgedLSN) >= head) {
      await this.stop();
      return null;
    }
    if (!s) {
      s = this.start();
      this.idle = { ticks: 0, ack: -1 };
      return this.c.intervalMs;
    }
    const st = s.getStatus();
    // LSNs without changes for the lake (e.g. a snapshot record) never reach it: an idle stream
    // whose acknowledgements are all committed has nothing more to send.
    const quiet = st.pendingBatches === 0 && st.pendingCount === 0 && st.lastCommittedLSN >= st.lastAckLSN && Number(st.lastAckLSN) === this.idle.ack;
    this.idle = { ticks: quiet ? this.idle.ticks + 1 : 0, ack: Number(st.lastAckLSN) };
    if (this.idle.ticks >= IDLE_TICKS) {
      await this.stop();
      return null;
    }
    return this.c.intervalMs;
  }

  status(): Record<string, unknown> {
    const st = this.streamer?.getStatus();
    return {
      lake: this.c.lake,
      slot: this.c.slot,
      connected: this.endpoint?.connected ?? false,
      starts: this.starts,
      ...(st
        ? { state: st.state, lastAckLSN: Number(st.lastAckLSN), lastFlushedLsn: Number(st.lastCommittedLSN), pendingEvents: st.pendingCount, retries: st.retries, backpressure: st.backpressure, ...(st.lastError ? { lastError: st.lastError } : {}) }
        : { state: 'idle' }),
    };
  }

  async stop(): Promise<void> {
    const s = this.streamer;
    this.streamer = null;
    await s?.stop();
    this.endpoint?.close();
    this.endpoint = null;
  }

  private start(): LakehouseStreamer {
    const lakes = this.lakes;
    const id = lakes.idFromName(this.c.lake);
    const url = `https://dolake/lake/ingest?source=${encodeURIComponent(this.name)}`;
    const endpoint = new WebSocketLakeEndpoint({
      connect: async () => {
        const res = await lakes.get(id).fetch(new Request(url, { headers: { upgrade: 'websocket' } }));
        const ws = (res as Response & { webSocket?: LakeSocket & { accept(): void } | null }).webSocket;
        if (!ws) throw new DoSQLError('IO_ERROR', `worker: lake ${this.c.lake} refused the stream of ${this.name} (HTTP ${res.status}: ${(await res.text()).slice(0, 200)})`);
        ws.accept();
        return ws;
      },
    });
    const s = createLakehouseStreamer({
      cdc: this.db,
      config: {
        sourceDoId: this.name,
        lake: endpoint,
        slot: this.c.slot,
        maxBatchSize: this.c.maxBatchSize,
        retry: this.c.retry,
        ...(this.c.tables ? { tables: this.c.tables } : {}),
      },
    });
    this.endpoint = endpoint;
    this.streamer = s;
    this.starts++;
    // Failures are retried inside the streamer; one that ends it shows in status and the next tick starts another.
    s.start().catch(() => undefined);
    return s;
  }
}
