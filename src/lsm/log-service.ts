// The log as change data capture sees it (`LsmEngine.log`): the commit feed at the head, a
// reader over retained and live WAL segments, the pins readers hold, replication slots in the
// manifest, and the retention of flushed segments (wal-retention.ts) with the optional archive
// to the cold store (wal-archive.ts). docs/format/wal.md, "Retained segments"; docs/cdc.md.
//
// Async safety: `retireAtFlush` and `retireAtOpen` run inside a manifest edit (synchronous);
// the retention runner is serialised by its own mutex and changes the manifest only through
// `edit`; slot operations are manifest edits. Pins are synchronous.
import { DoSQLError } from '../errors.js';
import type { ManifestState, SlotRef, WalHistoryEntry } from '../manifest/manifest-format.js';
import type { VersionSet } from '../manifest/version-set.js';
import type { ObjectStore } from '../storage/object-store.js';
import { horizonLsn, parseRetention, type Retention, type RetentionPolicy } from '../compaction/retention.js';
import { Mutex } from '../util/async.js';
import { CommitFeed } from './commit-feed.js';
import type { LsnPins } from './lsn-pins.js';
import { archiveSegment } from './wal-archive.js';
import type { LiveLog, LiveSegment } from './wal-index.js';
import { LogReader, type LogSegmentRef } from './wal-reader.js';
import { ARCHIVE_PREFIX, historyEntries, planWalRetention, type RetentionPlan } from './wal-retention.js';

/** Options of the log for change data capture (part of EngineOptions). */
export interface LogOptions {
  /** Copy retained WAL segments to the cold store under `_archive/` and drop their hot copies. Default false. */
  walArchive?: boolean;
  /** How long archived segments are kept after their last commit (a Retention: '7d', an LSN count, 'forever'). Default: `retention`. */
  archiveRetention?: Retention;
  /** Bytes of recent commits held in memory for subscribers at the head (the commit feed). Default 8 MiB. */
  commitFeedBytes?: number;
}

/** What the log service needs from the engine. */
export interface LogHost {
  readonly versions: VersionSet;
  readonly store: ObjectStore;
  readonly coldStore: ObjectStore;
  readonly pins: LsnPins;
  visible(): number;
  now(): number;
  /** One manifest edit (fails CLOSED after close). */
  edit(fn: (d: ManifestState) => void): Promise<void>;
  beforeImageReads(): number;
}

/** A reader's hold on the log from an LSN on (released when the reader closes). */
export interface LogPin {
  /** The reader moved on: it needs the log from `lsn` on. */
  move(lsn: number): void;
  release(): void;
}

/** Position of a slot where reading resumes: the whole commit `lsn` is consumed when `seq` is null. */
export function restartLsn(s: Pick<SlotRef, 'lsn' | 'seq'>): number {
  return s.seq === null ? s.lsn + 1 : s.lsn;
}

export class LogService {
  readonly feed: CommitFeed;
  readonly live: LiveLog;
  private readonly pinned = new Map<number, number>();
  private nextPin = 1;
  private archive: boolean;
  private readonly archivePolicy: RetentionPolicy;
  private readonly runLock = new Mutex();
  /** Objects deleted, archive copies made (statistics and tests). */
  readonly counters = { archived: 0, deleted: 0 };

  constructor(
    private readonly host: LogHost,
    options: LogOptions & { retention?: Retention },
    /** The live segments' index, kept by the write path (wal-index.ts). */
    live: LiveLog,
    /** LSN of the newest visible commit at open. */
    visible: number,
  ) {
    this.feed = new CommitFeed(visible, options.commitFeedBytes ?? 8 * 1024 * 1024);
    this.live = live;
    this.archive = options.walArchive ?? false;
    this.archivePolicy = parseRetention(options.archiveRetention ?? options.retention);
  }

  private get state(): ManifestState {
    return this.host.versions.state;
  }

  /** Before images the commit path had to read because no write supplied them (0 for SQL writes). */
  get beforeImageReads(): number {
    return this.host.beforeImageReads();
  }

  // ---------------------------------------------------------------- reading

  /** Retained then live segments, in LSN order, where their bytes are now. */
  segments(): LogSegmentRef[] {
    const out: LogSegmentRef[] = [];
    for (const h of this.state.walHistory) {
      out.push({ key: h.key, firstLsn: h.firstLsn, lastLsn: h.lastLsn, end: h.end, store: h.hot ? 'hot' : 'cold', objectKey: h.hot ? h.key : h.archived! });
    }
    for (const s of this.live.list()) out.push({ key: s.key, firstLsn: s.firstLsn, lastLsn: s.lastLsn, end: s.active ? Infinity : s.end, store: 'hot', objectKey: s.key });
    return out;
  }

  /**
   * The newest LSN whose commit the log no longer holds: reading can start after it and no
   * earlier. Bounded below by where the catalog's full history starts (schemas are decoded as
   * of any position after it). With no log at all, the newest visible LSN.
   */
  oldestLsn(): number {
    const s = this.state;
    const first = s.walHistory[0]?.firstLsn || this.live.firstLsn || this.host.visible() + 1;
    const since = s.fullHistoryTables.length > 0 ? s.fullHistorySince : s.gcHorizon;
    return Math.max(first - 1, since);
  }

  /** A reader positioned after `after` (it reads `after + 1` next). */
  openReader(after: number, chunkBytes?: number): LogReader {
    return new LogReader(
      {
        segments: () => this.segments(),
        visible: () => this.host.visible(),
        oldestLsn: () => this.oldestLsn(),
        store: (w) => (w === 'hot' ? this.host.store : this.host.coldStore),
      },
      after,
      chunkBytes,
    );
  }

  /** Keeps the log from `lsn` on until released (or moved). Synchronous: pin before checking `oldestLsn`. */
  pin(lsn: number): LogPin {
    const id = this.nextPin++;
    this.pinned.set(id, lsn);
    return {
      move: (l) => {
        if (this.pinned.has(id)) this.pinned.set(id, l);
      },
      release: () => {
        if (this.pinned.delete(id)) void this.runRetention().catch(() => undefined);
      },
    };
  }

  /** Open reader pins. */
  get pins(): number {
    return this.pinned.size;
  }

  // ---------------------------------------------------------------- retention

  /** Lowest LSN a slot or a pinned reader still needs (Infinity: none). */
  private need(state: ManifestState): number {
    let n = Infinity;
    for (const s of state.slots) n = Math.min(n, restartLsn(s));
    for (const l of this.pinned.values()) n = Math.min(n, l);
    return n;
  }

  private plan(state: ManifestState, history: readonly WalHistoryEntry[]): RetentionPlan {
    const visible = this.host.visible();
    const archiveFrom = this.archive ? horizonLsn(this.archivePolicy, visible, this.host.now(), this.host.pins.samples) + 1 : Infinity;
    return planWalRetention({ history, need: this.need(state), archive: this.archive, archiveFrom });
  }

  /**
   * Inside a flush's manifest edit: the segments `keys` are no longer needed for recovery. Those
   * change data capture still needs join `walHistory`; returns the deletions to make once the edit
   * is durable (then call `retired(keys)`).
   */
  retireAtFlush(d: ManifestState, keys: ReadonlySet<string>): Deletion[] {
    const segs = this.live.list().filter((s) => keys.has(s.key));
    const gone = new Set(segs.map((s) => s.key));
    // Segments without records have no history entry: delete them with the dropped ones.
    const empty: Deletion[] = [...keys].filter((k) => !segs.some((s) => s.key === k && s.firstLsn > 0)).map((key) => ({ store: 'hot', key }));
    void gone;
    return [...empty, ...this.applyPlan(d, historyEntries(segs))];
  }

  /** After the flush's edit: the retired segments leave the live log. */
  retired(keys: ReadonlySet<string>): void {
    this.live.retire(keys);
  }

  /** Inside the first manifest of an epoch that replayed nothing: the replayed seals are retired. */
  retireAtOpen(d: ManifestState, sealed: readonly { key: string; end: number; firstLsn: number; lastLsn: number }[]): Deletion[] {
    const segs: LiveSegment[] = sealed.map((s) => ({ ...s, active: false }));
    const empty: Deletion[] = segs.filter((s) => s.firstLsn === 0).map((s) => ({ store: 'hot', key: s.key }));
    return [...empty, ...this.applyPlan(d, historyEntries(segs))];
  }

  /** Plans `d.walHistory` plus `added`, keeps what is needed, returns what to delete. */
  private applyPlan(d: ManifestState, added: WalHistoryEntry[]): Deletion[] {
    const known = new Set(d.walHistory.map((h) => h.key));
    const p = this.plan(d, [...d.walHistory, ...added.filter((h) => !known.has(h.key))]);
    d.walHistory = p.keep;
    return deletionsOf(p.drop);
  }

  /**
   * Applies the retention plan: archives what must be archived, drops what no slot, reader or
   * archive window needs, in one manifest edit, then deletes the objects. Runs after flushes,
   * slot changes and reader releases; one at a time.
   */
  async runRetention(): Promise<void> {
    const unlock = await this.runLock.lock();
    try {
      const first = this.plan(this.state, this.state.walHistory);
      if (first.drop.length === 0 && first.toArchive.length === 0 && first.hotToDelete.length === 0) return;
      const copies = new Map<string, string>();
      for (const h of first.toArchive) {
        copies.set(h.key, await archiveSegment(this.host.store, this.host.coldStore, h));
        this.counters.archived++;
      }
      let del: Deletion[] = [];
      await this.host.edit((d) => {
        const p = this.plan(d, d.walHistory);
        del = deletionsOf(p.drop);
        d.walHistory = p.keep.map((h) => {
          const archived = h.archived ?? copies.get(h.key);
          if (!archived) return h;
          if (h.hot) del.push({ store: 'hot', key: h.key });
          return { ...h, hot: false, archived };
        });
      });
      await this.delete(del);
    } finally {
      unlock();
    }
  }

  /** Deletes objects the manifest no longer lists (failures leave orphans for the next open). */
  async delete(dels: readonly Deletion[]): Promise<void> {
    for (const x of dels) {
      await (x.store === 'hot' ? this.host.store : this.host.coldStore).delete(x.key).then(
        () => this.counters.deleted++,
        () => undefined,
      );
    }
  }

  /** At open: archive copies no manifest entry lists (a crash between a copy or an edit and its deletes). */
  async sweepArchive(): Promise<void> {
    const listed = new Set(this.state.walHistory.map((h) => h.archived).filter((k): k is string => k !== undefined));
    const objs = await this.host.coldStore.list(ARCHIVE_PREFIX).catch(() => []);
    await this.delete(objs.filter((o) => !listed.has(o.key)).map((o) => ({ store: 'cold' as const, key: o.key })));
  }

  /** Turns the archive on or off (for this engine instance; EngineOptions.walArchive at open), then applies retention. */
  async setArchive(on: boolean): Promise<void> {
    this.archive = on;
    await this.runRetention();
  }

  get archiving(): boolean {
    return this.archive;
  }

  // ---------------------------------------------------------------- catalog history

  /**
   * Keeps every version of `tables` (on every branch) from now on: compaction no longer
   * collects them (RetainedPoints.keepsAll). Versions below the current collection horizon may
   * already be gone; `fullHistorySince` records where completeness starts. One manifest edit,
   * only when a table is new to the list.
   */
  async keepFullHistory(tables: readonly number[]): Promise<void> {
    if (tables.every((t) => this.state.fullHistoryTables.includes(t))) return;
    await this.host.edit((d) => this.keepFullHistoryIn(d, tables));
  }

  /** `keepFullHistory` inside a manifest edit (the first manifest of an epoch: EngineOptions.fullHistoryTables). */
  keepFullHistoryIn(d: ManifestState, tables: readonly number[]): void {
    const add = tables.filter((t) => !d.fullHistoryTables.includes(t));
    if (add.length === 0) return;
    d.fullHistoryTables = [...d.fullHistoryTables, ...add].sort((a, b) => a - b);
    d.fullHistorySince = Math.max(d.fullHistorySince, d.gcHorizon);
  }

  // ---------------------------------------------------------------- slots

  /** Replication slots in the manifest. */
  slots(): readonly SlotRef[] {
    return this.state.slots;
  }

  /** Adds a slot (PRECONDITION_FAILED when the name is taken). The log from its restart LSN on is kept from then on. */
  async createSlot(slot: SlotRef): Promise<void> {
    await this.host.edit((d) => {
      if (d.slots.some((s) => s.name === slot.name)) throw slotExists(slot.name);
      d.slots.push(slot);
      // A position a consumer acknowledged is never handed out again, even after a lost tail.
      d.lastLsn = Math.max(d.lastLsn, this.host.visible());
    });
  }

  /** Moves a slot's acknowledged position (NOT_FOUND when absent), then applies retention. */
  async updateSlot(name: string, lsn: number, seq: number | null, now: number): Promise<void> {
    const cur = this.state.slots.find((s) => s.name === name);
    if (!cur) throw slotNotFound(name);
    if (cur.lsn === lsn && cur.seq === seq) return;
    await this.host.edit((d) => {
      const s = d.slots.find((x) => x.name === name);
      if (!s) throw slotNotFound(name);
      s.lsn = lsn;
      s.seq = seq;
      s.updatedAt = now;
      d.lastLsn = Math.max(d.lastLsn, this.host.visible());
    });
    await this.runRetention().catch(() => undefined);
  }

  /** Removes a slot (NOT_FOUND when absent); the log it pinned becomes collectable. */
  async deleteSlot(name: string): Promise<void> {
    await this.host.edit((d) => {
      const i = d.slots.findIndex((s) => s.name === name);
      if (i < 0) throw slotNotFound(name);
      d.slots.splice(i, 1);
    });
    await this.runRetention().catch(() => undefined);
  }

  // ---------------------------------------------------------------- statistics

  /** Bytes of the log: live segments, retained hot copies, archive copies; bytes a position still needs. */
  stats(): { headLsn: number; oldestLsn: number; walBytes: { live: number; retained: number; archived: number }; feedBytes: number; pins: number } {
    let retained = 0;
    let archived = 0;
    for (const h of this.state.walHistory) {
      if (h.hot) retained += h.end;
      if (h.archived) archived += h.end;
    }
    return { headLsn: this.host.visible(), oldestLsn: this.oldestLsn(), walBytes: { live: this.live.bytes, retained, archived }, feedBytes: this.feed.bytes, pins: this.pinned.size };
  }

  /** Bytes of the segments holding commits at or after `lsn` (whole segments): a slot's lag in bytes. */
  bytesFrom(lsn: number): number {
    let n = 0;
    for (const s of this.segments()) if (s.firstLsn > 0 && s.lastLsn >= lsn) n += s.end === Infinity ? this.live.list().at(-1)?.end ?? 0 : s.end;
    return n;
  }

  close(): void {
    this.feed.close();
  }
}

/** An object to delete once a manifest edit stopped listing it. */
export interface Deletion {
  store: 'hot' | 'cold';
  key: string;
}

function deletionsOf(drop: readonly WalHistoryEntry[]): Deletion[] {
  const out: Deletion[] = [];
  for (const h of drop) {
    if (h.hot) out.push({ store: 'hot', key: h.key });
    if (h.archived) out.push({ store: 'cold', key: h.archived });
  }
  return out;
}

function slotNotFound(name: string): DoSQLError {
  return new DoSQLError('NOT_FOUND', `engine: no replication slot named ${name}`, { details: { slot: name } });
}

function slotExists(name: string): DoSQLError {
  return new DoSQLError('PRECONDITION_FAILED', `engine: a replication slot named ${name} already exists`, { details: { slot: name } });
}
