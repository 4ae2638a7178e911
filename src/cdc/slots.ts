// Replication slots (seed 002 `cdc.slots`): durable consumer positions kept in the manifest
// beside snapshots and branches (`slots`, docs/format/manifest.md), that pin the log they still
// need as Postgres slots pin WAL (src/lsm/log-service.ts). A slot's position is (lsn, seq):
// every event up to it is acknowledged; seq null acknowledges the whole commit.
//
// Acknowledging by LSN (the seeds' `updateSlot(name, entry.lsn)`) must not skip the rest of a
// commit a crash interrupted: while a subscription of the slot runs in this process, an LSN
// acknowledges at most what that subscription delivered (its safe position); an event id
// ("<lsn>:<seq>") or an event acknowledges exactly that. Slots only move forward. Each update
// is durable when it resolves (one manifest edit; concurrent ones for a slot coalesce).
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import type { SlotRef } from '../manifest/manifest-format.js';
import { CDCError, lsnNotFound } from './errors.js';
import { storableFilter } from './filter.js';
import type { Pipeline } from './pipeline.js';
import { comparePositions, maxPosition, parsePosition, restartLsnOf, toLsn, type Pos } from './position.js';
import { CDCSubscription, type SubscriptionHost } from './subscription.js';
import type { CDCFilter, LSNInput, ReplicationSlot, SubscribeOptions } from './types.js';

const SLOT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** What slots need from their CDC instance. */
export interface SlotHost extends SubscriptionHost {
  /** The live pipeline of a slot's subscription in this process, if any. */
  pipelineOf(slot: string): Pipeline | undefined;
  /** A subscription made here: `cdc.close()` ends it too. */
  track(s: CDCSubscription): CDCSubscription;
}

export class ReplicationSlotManager {
  private readonly updating = new Map<string, Promise<void>>();

  constructor(private readonly host: SlotHost) {}

  /**
   * Creates a slot acknowledged up to `fromLSN` (default: the newest commit, as Postgres):
   * from then on the log after it is kept. CDC_SLOT_EXISTS when the name is taken,
   * CDC_LSN_NOT_FOUND when the log after `fromLSN` is gone, INVALID_ARGUMENT for a bad name
   * (`[A-Za-z0-9_.-]{1,64}`) or a filter with a predicate.
   */
  async createSlot(name: string, fromLSN?: LSNInput, filter?: CDCFilter, options: { branch?: string } = {}): Promise<ReplicationSlot> {
    checkName(name);
    const stored = storableFilter(filter);
    const engine = await this.host.engine();
    const head = engine.lastVisibleLsn;
    const lsn = fromLSN === undefined ? head : toLsn(fromLSN, 'fromLSN');
    const branchName = options.branch ?? 'main';
    const branch = branchName === 'main' ? 0 : engine.manifest.branches.find((b) => b.name === branchName)?.id;
    if (branch === undefined) throw new DoSQLError('NOT_FOUND', `cdc: no branch named ${branchName}`, { details: { branch: branchName } });
    const pin = engine.log.pin(lsn + 1);
    try {
      const oldest = engine.log.oldestLsn();
      if (lsn < oldest || lsn > head) throw lsnNotFound(lsn, oldest, head);
      const now = engine.clockNow();
      const ref: SlotRef = { name, lsn, seq: null, branch, createdAt: now, updatedAt: now, ...(stored ? { filter: stored } : {}) };
      await engine.log.createSlot(ref).catch((e: unknown) => {
        throw slotError(e, name);
      });
      return toSlot(engine, ref);
    } finally {
      pin.release();
    }
  }

  /** The slot, or null. */
  async getSlot(name: string): Promise<ReplicationSlot | null> {
    const engine = await this.host.engine();
    const s = engine.log.slots().find((x) => x.name === name);
    return s ? toSlot(engine, s) : null;
  }

  /** Every slot, in creation order. */
  async listSlots(): Promise<ReplicationSlot[]> {
    const engine = await this.host.engine();
    return engine.log.slots().map((s) => toSlot(engine, s));
  }

  /**
   * A subscription that starts at the slot's position (or later, when its iteration is given
   * a later LSN) with the slot's filter and branch. CDC_SLOT_NOT_FOUND when absent.
   */
  async subscribeFromSlot(name: string, options: SubscribeOptions = {}): Promise<CDCSubscription> {
    const engine = await this.host.engine();
    const ref = engine.log.slots().find((x) => x.name === name);
    if (!ref) throw notFound(name);
    const slot = toSlot(engine, ref);
    return this.host.track(new CDCSubscription(this.host, options, {
      name,
      branch: slot.branch,
      ...(slot.filter ? { filter: slot.filter as CDCFilter } : {}),
      position: () => {
        const cur = engine.log.slots().find((x) => x.name === name);
        return cur ? { lsn: cur.lsn, seq: cur.seq } : { lsn: ref.lsn, seq: ref.seq };
      },
    }));
  }

  /**
   * Acknowledges up to `position`: an event, an event id "<lsn>:<seq>", or an LSN (bounded by
   * what this process's subscription of the slot delivered; see the header). Durable when it
   * resolves. CDC_SLOT_NOT_FOUND when absent.
   */
  async updateSlot(name: string, position: LSNInput | { id: string; op?: string; type?: string }): Promise<void> {
    const engine = await this.host.engine();
    let target: Pos;
    if (typeof position === 'object' && position !== null && 'id' in position) {
      target = parsePosition(String(position.id));
      // A COMMIT acknowledges its whole commit.
      if (position.op === 'COMMIT' || position.type === 'commit') target = { lsn: target.lsn, seq: null };
    }
    else if (typeof position === 'string' && position.includes(':')) target = parsePosition(position);
    else {
      target = { lsn: toLsn(position as LSNInput, 'LSN'), seq: null };
      const p = this.host.pipelineOf(name);
      if (p) {
        const safe = p.safePosition();
        if (comparePositions(safe, target) < 0) target = safe;
      }
    }
    if (target.lsn > engine.lastVisibleLsn) throw lsnNotFound(target.lsn, engine.log.oldestLsn(), engine.lastVisibleLsn);
    const prev = this.updating.get(name) ?? Promise.resolve();
    const run = prev
      .catch(() => undefined)
      .then(async () => {
        const cur = engine.log.slots().find((x) => x.name === name);
        if (!cur) throw notFound(name);
        const next = maxPosition({ lsn: cur.lsn, seq: cur.seq }, target);
        if (comparePositions(next, { lsn: cur.lsn, seq: cur.seq }) === 0) return;
        await engine.log.updateSlot(name, next.lsn, next.seq, engine.clockNow()).catch((e: unknown) => {
          throw slotError(e, name);
        });
      });
    this.updating.set(name, run);
    try {
      await run;
    } finally {
      if (this.updating.get(name) === run) this.updating.delete(name);
    }
  }

  /** Deletes the slot; the log it pinned becomes collectable. CDC_SLOT_NOT_FOUND when absent. */
  async deleteSlot(name: string): Promise<void> {
    const engine = await this.host.engine();
    await engine.log.deleteSlot(name).catch((e: unknown) => {
      throw slotError(e, name);
    });
  }
}

/** A slot as the API shows it. */
export function toSlot(engine: LsmEngine, s: SlotRef): ReplicationSlot {
  const branch = s.branch === 0 ? 'main' : (engine.manifest.branches.find((b) => b.id === s.branch)?.name ?? `#${s.branch}`);
  return {
    name: s.name,
    acknowledgedLSN: BigInt(s.lsn),
    acknowledgedSeq: s.seq,
    branch,
    ...(s.filter ? { filter: s.filter as ReplicationSlot['filter'] } : {}),
    createdAt: new Date(s.createdAt),
    lastUsedAt: new Date(s.updatedAt),
  };
}

/** The first LSN a slot still needs. */
export function slotRestartLsn(s: SlotRef): number {
  return restartLsnOf({ lsn: s.lsn, seq: s.seq });
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || !SLOT_NAME.test(name)) throw new DoSQLError('INVALID_ARGUMENT', `cdc: a slot name is 1-64 characters of [A-Za-z0-9_.-], got ${JSON.stringify(name)}`);
}

function notFound(name: string): CDCError {
  return new CDCError('CDC_SLOT_NOT_FOUND', `cdc: no replication slot named ${name}`, { details: { slot: name } });
}

function slotError(e: unknown, name: string): unknown {
  if (e instanceof DoSQLError && e.code === 'NOT_FOUND') return notFound(name);
  if (e instanceof DoSQLError && e.code === 'PRECONDITION_FAILED') return new CDCError('CDC_SLOT_EXISTS', `cdc: a replication slot named ${name} already exists`, { details: { slot: name } });
  return e;
}
