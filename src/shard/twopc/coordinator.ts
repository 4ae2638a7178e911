// The two-phase-commit coordinator for cross-shard transactions (docs/sharding-2pc.md):
//
//   run the callback's statements (BEGIN on each participant at its first statement)
//   -> one participant used: plain COMMIT (one-phase)
//   -> log begun (gid, participants)            coordinator-log.ts, create-if-absent
//   -> PREPARE TRANSACTION 'gid' on every participant, in parallel
//        any failure: log abort, ROLLBACK PREPARED everywhere, forget; throw the failure
//   -> log commit (if-match the begun record)   the commit point
//   -> COMMIT PREPARED 'gid' on every participant (retried; PREPARED_XACT_RESOLVED with outcome
//      'committed' counts as done) -> forget the record once all acknowledged
//
// Presumed abort: a gid with no commit decision is rolled back. `recover` (at a coordinator's
// start) finishes every logged transaction: commit where the decision is commit, otherwise it
// records abort (if-match, so a live coordinator cannot commit it after) and rolls back.
// `resolveInDoubt` is the participant-side sweep: the gids a shard lists in PRAGMA
// prepared_xacts, resolved against the log (after a shard restarts).
//
// Async safety: a participant is one session, so a transaction holds each participant it was
// given from start to finish (a lock per participant object, taken in id order, so two
// transactions over the same participants cannot deadlock); transactions over disjoint
// participants run concurrently.
import { DoSQLError } from '../../errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { Mutex } from '../../util/async.js';
import { CoordinatorLog, type LogState, type StoredRecord } from './coordinator-log.js';
import { errorCode, errorDetails, gidLiteral, rowsOf, type TwoPhaseParticipant } from './participant.js';

export interface CoordinatorOptions {
  /** Where the coordinator log lives (a folder store in Node, R2 or Durable Object storage on Workers). */
  readonly store: ObjectStore;
  /** Key prefix of the log in `store` (default `twopc`). */
  readonly prefix?: string;
  /** This coordinator's name, 1-64 of [A-Za-z0-9_-]: every gid it makes starts with `<id>.`. */
  readonly id: string;
  /** Clock, ms since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Attempts at COMMIT / ROLLBACK PREPARED per participant before leaving it to recovery (default 5). */
  readonly resolveAttempts?: number;
  /** Pause between those attempts, ms (default 50). */
  readonly retryDelayMs?: number;
  /**
   * Called as a two-phase transaction passes each durable state: 'prepared' (every participant
   * prepared, no decision yet), 'decided' (commit logged, COMMIT PREPARED not yet sent), 'done'
   * (every participant acknowledged; the record is being forgotten). For metrics and crash tests; must not throw.
   */
  readonly onPhase?: (gid: string, phase: 'prepared' | 'decided' | 'done') => void;
}

/** What the callback of `runDistributedTransaction` runs statements through. */
export interface DistributedTransaction {
  /** The transaction's global id (PREPARE TRANSACTION's gid). */
  readonly gid: string;
  /** Runs one statement on `participant` (its id or the object) inside the transaction; BEGIN is sent before its first one. */
  exec(participant: TwoPhaseParticipant | string, sql: string, params?: unknown[]): Promise<unknown>;
}

/** How a distributed transaction committed. */
export interface DistributedResult<T> {
  readonly gid: string;
  /** What the callback returned. */
  readonly value: T;
  /** Participants that ran statements, in order of first use. */
  readonly participants: readonly string[];
  /** 'none': no statement ran; 'one-phase': one participant, plain COMMIT; 'two-phase'. */
  readonly protocol: 'none' | 'one-phase' | 'two-phase';
  /**
   * Participants that had not acknowledged COMMIT PREPARED when this returned (unreachable):
   * the transaction is committed (the decision is logged) and `recover` / `resolveInDoubt`
   * will finish them; until then their part is not visible to their readers.
   */
  readonly unresolved: readonly string[];
}

/** What a recovery did. */
export interface RecoveryReport {
  readonly committed: string[];
  readonly rolledBack: string[];
  /** gids left in doubt: a participant was unreachable or unknown (recover again later). */
  readonly unresolved: string[];
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class TwoPhaseCoordinator {
  readonly log: CoordinatorLog;
  readonly id: string;
  private readonly now: () => number;
  private readonly attempts: number;
  private readonly delayMs: number;
  private readonly onPhase: (gid: string, phase: 'prepared' | 'decided' | 'done') => void;
  private seq = 0;
  private readonly sessions = new WeakMap<TwoPhaseParticipant, Mutex>();

  constructor(options: CoordinatorOptions) {
    if (!ID.test(options.id)) throw new DoSQLError('INVALID_ARGUMENT', `twopc: coordinator id must be 1-64 of [A-Za-z0-9_-], got ${JSON.stringify(options.id)}`);
    this.id = options.id;
    this.log = new CoordinatorLog(options.store, options.prefix);
    this.now = options.now ?? Date.now;
    this.attempts = Math.max(1, options.resolveAttempts ?? 5);
    this.delayMs = options.retryDelayMs ?? 50;
    this.onPhase = options.onPhase ?? (() => undefined);
  }

  /** A fresh gid: `<id>.<ms base 36>.<sequence>.<random>`. */
  newGid(): string {
    const rnd = Math.floor(Math.random() * 0x100000000).toString(36);
    return `${this.id}.${this.now().toString(36)}.${(this.seq++).toString(36)}.${rnd}`;
  }

  /**
   * Runs `fn` as one transaction across `participants` (distinct ids) and commits it
   * atomically: two-phase commit when more than one participant ran statements, a plain
   * COMMIT when one did. Throws what `fn` throws (everything rolled back); a participant's
   * PREPARE error (e.g. WRITE_CONFLICT, retryable) after rolling every participant back; BUSY
   * when a concurrent recovery aborted the transaction first; COMMIT_UNKNOWN when the log
   * could not be read back after a failed decision write (recovery decides).
   */
  async runDistributedTransaction<T>(participants: readonly TwoPhaseParticipant[], fn: (tx: DistributedTransaction) => Promise<T>): Promise<DistributedResult<T>> {
    const byId = new Map<string, TwoPhaseParticipant>();
    for (const p of participants) {
      if (byId.has(p.id)) throw new DoSQLError('INVALID_ARGUMENT', `twopc: participant ${p.id} given twice`);
      byId.set(p.id, p);
    }
    const unlocks: (() => void)[] = [];
    for (const p of [...participants].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) unlocks.push(await this.session(p).lock());
    try {
      return await this.run(byId, fn);
    } finally {
      for (const u of unlocks) u();
    }
  }

  private session(p: TwoPhaseParticipant): Mutex {
    let m = this.sessions.get(p);
    if (!m) this.sessions.set(p, (m = new Mutex()));
    return m;
  }

  private async run<T>(byId: Map<string, TwoPhaseParticipant>, fn: (tx: DistributedTransaction) => Promise<T>): Promise<DistributedResult<T>> {
    const gid = this.newGid();
    const used: TwoPhaseParticipant[] = [];
    const tx: DistributedTransaction = {
      gid,
      exec: async (target, sql, params) => {
        const p = typeof target === 'string' ? byId.get(target) : byId.get(target.id) === target ? target : undefined;
        if (!p) throw new DoSQLError('INVALID_ARGUMENT', `twopc: ${typeof target === 'string' ? target : target.id} is not a participant of transaction ${gid}`);
        if (!used.includes(p)) {
          used.push(p);
          await p.exec('BEGIN');
        }
        return p.exec(sql, params);
      },
    };
    let value: T;
    try {
      value = await fn(tx);
    } catch (e) {
      await rollbackOpen(used);
      throw e;
    }
    const ids = used.map((p) => p.id);
    if (used.length === 0) return { gid, value, participants: ids, protocol: 'none', unresolved: [] };
    if (used.length === 1) {
      try {
        await used[0]!.exec('COMMIT');
      } catch (e) {
        // A COMMIT refused by the participant (a deferred foreign key) leaves its transaction open.
        if (errorCode(e) !== undefined) await rollbackOpen(used);
        throw e;
      }
      return { gid, value, participants: ids, protocol: 'one-phase', unresolved: [] };
    }
    let rec: StoredRecord;
    try {
      const record = { gid, participants: ids, state: 'begun' as const, createdMs: this.now() };
      rec = { record, etag: await this.log.begin(gid, ids, record.createdMs) };
    } catch (e) {
      await rollbackOpen(used);
      throw e;
    }
    const prepares = await Promise.allSettled(used.map((p) => p.exec(`PREPARE TRANSACTION ${gidLiteral(gid)}`)));
    const failed = prepares.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      // A PREPARE refused with a code may leave the session's transaction open (a deferred foreign key).
      await rollbackOpen(used.filter((_, i) => prepares[i]!.status === 'rejected' && errorCode((prepares[i] as PromiseRejectedResult).reason) !== undefined));
      await this.abort(rec, used);
      throw (prepares[failed] as PromiseRejectedResult).reason;
    }
    this.onPhase(gid, 'prepared');
    try {
      rec = await this.log.decide(rec, 'commit', this.now());
    } catch (e) {
      const now = await this.log.read(gid).catch(() => undefined);
      if (now === undefined) throw new DoSQLError('COMMIT_UNKNOWN', `twopc: transaction ${gid}: the commit decision may or may not be logged; recover() decides`, { cause: e, details: { gid } });
      if (now === null || now.record.state !== 'commit') {
        if (now !== null && now.record.state === 'begun') await this.abort(now, used);
        else await this.resolveAll(gid, used, 'abort');
        const code = errorCode(e) === 'PRECONDITION_FAILED' ? 'BUSY' : 'IO_ERROR';
        throw new DoSQLError(code, `twopc: transaction ${gid} was rolled back: its commit decision could not be logged (${code === 'BUSY' ? 'a recovery aborted it first' : 'the log failed'})`, { cause: e, details: { gid } });
      }
      rec = now;
    }
    this.onPhase(gid, 'decided');
    const unresolved = await this.resolveAll(gid, used, 'commit');
    if (unresolved.length === 0) {
      this.onPhase(gid, 'done');
      await this.log.forget(gid).catch(() => undefined);
    }
    return { gid, value, participants: ids, protocol: 'two-phase', unresolved };
  }

  /** Logs abort over a begun record (if it still is), rolls back everywhere, forgets it once all acknowledged. */
  private async abort(rec: StoredRecord, participants: readonly TwoPhaseParticipant[]): Promise<void> {
    try {
      await this.log.decide(rec, 'abort', this.now());
    } catch {
      // Decided elsewhere (a recovery aborted it too) or the log failed: the record stays begun,
      // which recovery reads as abort (presumed abort).
    }
    const left = await this.resolveAll(rec.record.gid, participants, 'abort');
    if (left.length === 0) await this.log.forget(rec.record.gid).catch(() => undefined);
  }

  /**
   * COMMIT PREPARED or ROLLBACK PREPARED of `gid` on every participant, retried; returns the
   * ids that did not acknowledge. A gid a participant already resolved the same way counts as
   * acknowledged; for a rollback, so does an unknown gid (it never prepared: presumed abort).
   */
  private async resolveAll(gid: string, participants: readonly TwoPhaseParticipant[], outcome: 'commit' | 'abort'): Promise<string[]> {
    const sql = `${outcome === 'commit' ? 'COMMIT' : 'ROLLBACK'} PREPARED ${gidLiteral(gid)}`;
    const want = outcome === 'commit' ? 'committed' : 'rolled back';
    const done = await Promise.all(
      participants.map(async (p) => {
        for (let i = 0; i < this.attempts; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, this.delayMs * i));
          try {
            await p.exec(sql);
            return true;
          } catch (e) {
            const code = errorCode(e);
            if (code === 'PREPARED_XACT_RESOLVED') return errorDetails(e).outcome === want;
            if (code === 'NOT_FOUND' && outcome === 'abort') return true;
            if (code !== undefined && code !== 'IO_ERROR' && code !== 'BUSY' && code !== 'CLOSED' && code !== 'FENCED') return false;
          }
        }
        return false;
      }),
    );
    return participants.filter((_, i) => !done[i]).map((p) => p.id);
  }

  /**
   * Finishes every transaction in the log (run at a coordinator's start, and after outages):
   * commit where the decision is commit; otherwise records abort and rolls back (presumed
   * abort). Records younger than `olderThanMs` that are still begun belong to transactions in
   * flight and are skipped. Then sweeps each participant's in-doubt gids (`resolveInDoubt`).
   */
  async recover(participants: readonly TwoPhaseParticipant[], options: { olderThanMs?: number } = {}): Promise<RecoveryReport> {
    const byId = new Map(participants.map((p) => [p.id, p]));
    const report: RecoveryReport = { committed: [], rolledBack: [], unresolved: [] };
    const cutoff = this.now() - (options.olderThanMs ?? 0);
    for (const s of await this.log.list()) {
      if (s.record.state === 'begun' && s.record.createdMs > cutoff) continue;
      await this.finish(s, byId, report);
    }
    for (const p of participants) await this.resolveInDoubt(p, { olderThanMs: options.olderThanMs ?? 0 }, report);
    return report;
  }

  private async finish(s: StoredRecord, byId: ReadonlyMap<string, TwoPhaseParticipant>, report: RecoveryReport): Promise<void> {
    const gid = s.record.gid;
    let rec: StoredRecord | null = s;
    if (rec.record.state === 'begun') {
      try {
        rec = await this.log.decide(rec, 'abort', this.now());
      } catch (e) {
        if (errorCode(e) !== 'PRECONDITION_FAILED') throw e;
        rec = await this.log.read(gid);
        if (!rec) return;
      }
    }
    const state: LogState = rec.record.state;
    const ps = rec.record.participants.map((id) => byId.get(id));
    const known = ps.filter((p): p is TwoPhaseParticipant => p !== undefined);
    const left = await this.resolveAll(gid, known, state === 'commit' ? 'commit' : 'abort');
    if (left.length > 0 || known.length < ps.length) {
      if (!report.unresolved.includes(gid)) report.unresolved.push(gid);
      return;
    }
    await this.log.forget(gid);
    (state === 'commit' ? report.committed : report.rolledBack).push(gid);
  }

  /**
   * The participant-side sweep: every gid of this coordinator that `participant` lists in
   * PRAGMA prepared_xacts is committed when the log says commit, and otherwise rolled back —
   * an absent record or an abort (presumed abort), or a begun one older than `olderThanMs`
   * (its coordinator died before deciding; the abort is logged first, if-match).
   */
  async resolveInDoubt(participant: TwoPhaseParticipant, options: { olderThanMs?: number } = {}, report: RecoveryReport = { committed: [], rolledBack: [], unresolved: [] }): Promise<RecoveryReport> {
    const mine = `${this.id}.`;
    const rows = rowsOf(await participant.exec('PRAGMA prepared_xacts'));
    const cutoff = this.now() - (options.olderThanMs ?? 0);
    for (const row of rows) {
      const gid = row.gid;
      if (typeof gid !== 'string' || !gid.startsWith(mine)) continue;
      const rec = await this.log.read(gid);
      if (rec && rec.record.state === 'begun' && rec.record.createdMs > cutoff) continue;
      if (rec) {
        await this.finish(rec, new Map([[participant.id, participant]]), report);
        continue;
      }
      const left = await this.resolveAll(gid, [participant], 'abort');
      if (left.length > 0) report.unresolved.push(gid);
      else report.rolledBack.push(gid);
    }
    return report;
  }
}

/** ROLLBACK on each participant whose session may hold an open transaction; errors ignored (it may have none). */
async function rollbackOpen(participants: readonly TwoPhaseParticipant[]): Promise<void> {
  await Promise.all(participants.map((p) => p.exec('ROLLBACK').catch(() => undefined)));
}
