// Resolving FOR SYSTEM_TIME clauses (SQL:2011 system-versioned tables) and API time points
// into read points (branch, LSN) before a statement is planned, so each table reference can
// be read — with its schema — as of its own point.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import type { Catalog } from '../catalog/catalog.js';
import { ExecEnv } from '../execution/env.js';
import type { Expr, TableRef, TimePoint as AstTimePoint } from '../parser/ast.js';
import { compileExpr } from '../planner/compile-expr.js';
import type { TemporalBinding } from '../planner/planner-context.js';
import { Scope } from '../planner/scope.js';
import type { Layer } from '../../mvcc/layers.js';
import { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { commits, lsnAtTimestamp } from './commit-log.js';
import { formatTimestamp, parseTimestamp } from '../types/timestamp.js';
import type { TimePoint } from './time-points.js';

/** What resolution needs from the database. */
export interface PointHost {
  readonly engine: LsmEngine;
  /** Branch statements run on. */
  readonly branch: number;
  branchId(name: string): number;
  ancestors(branch: number): Layer[];
  snapshotPoint(name: string): { branch: number; lsn: number };
  loadCatalog(branch: number, lsn: number): Promise<Catalog>;
  /** The schema at a read point if already loaded (for the synchronous fast path). */
  cachedCatalog(branch: number, lsn: number): Catalog | undefined;
}

export interface ReadPoint {
  readonly branch: number;
  readonly lsn: number;
}

function layersOf(h: PointHost, branch: number, lsn: number): Layer[] {
  return [{ branch, lsn }, ...h.ancestors(branch).map((l) => ({ branch: l.branch, lsn: Math.min(l.lsn, lsn) }))];
}

/** Resolves an API time point on the current branch. Throws BEFORE_RETENTION_HORIZON, NOT_FOUND. */
export async function resolvePoint(h: PointHost, p: TimePoint): Promise<ReadPoint> {
  const e = h.engine;
  switch (p.kind) {
    case 'lsn':
      return { branch: h.branch, lsn: e.readPoint(p.lsn) };
    case 'timestamp':
      return { branch: h.branch, lsn: e.readPoint(await lsnAtTimestamp(e, layersOf(h, h.branch, e.lastVisibleLsn), p.ms)) };
    case 'snapshot':
      return h.snapshotPoint(p.name);
    case 'branch':
      return { branch: h.branchId(p.name), lsn: e.lastVisibleLsn };
    case 'relative': {
      const list = await commits(e, layersOf(h, h.branch, e.lastVisibleLsn));
      const at = list[-p.versionOffset];
      if (!at) throw new DoSQLError('NOT_FOUND', `sql: VERSION CURRENT - ${-p.versionOffset}: only ${list.length} commits are retained on this branch`);
      return { branch: h.branch, lsn: e.readPoint(at.lsn) };
    }
  }
}

/** A read-only transaction at `point` with that point's schema. Release it after use. */
export async function openView(h: PointHost, point: ReadPoint): Promise<{ view: Transaction; catalog: Catalog }> {
  const catalog = await h.loadCatalog(point.branch, point.lsn);
  return { view: new Transaction(h.engine, point.lsn, point.branch, catalog, h.ancestors(point.branch), true), catalog };
}

const constCache = new WeakMap<Expr, ReturnType<typeof compileExpr>>();

function constValue(e: Expr, params: readonly SqlValue[], txn: Transaction): SqlValue {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'param') return params[e.index - 1] ?? null;
  let c = constCache.get(e);
  if (!c) {
    c = compileExpr(e, {
      scope: new Scope(undefined, 0),
      planSubquery: () => {
        throw new DoSQLError('NOT_SUPPORTED', 'sql: subqueries in FOR SYSTEM_TIME points are not supported');
      },
      nextSlot: () => 0,
    });
    constCache.set(e, c);
  }
  return c.ev([], new ExecEnv(txn, params, { changes: 0, totalChanges: 0, lastInsertRowId: 0n }, txn.engine.clockNow(), () => 0n));
}

function need(v: SqlValue, what: string): SqlValue {
  if (v === null) throw new DoSQLError('SQL_ERROR', `sql: FOR SYSTEM_TIME ${what} is NULL`);
  return v;
}

function asLsn(v: SqlValue): TimePoint {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new DoSQLError('SQL_ERROR', `sql: FOR SYSTEM_TIME AS OF LSN needs a non-negative integer, got ${String(v)}`);
  return { kind: 'lsn', lsn: n };
}

function asTs(v: SqlValue): TimePoint {
  const ms = typeof v === 'string' ? parseTimestamp(v) : typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
  if (ms === undefined) throw new DoSQLError('SQL_ERROR', `sql: FOR SYSTEM_TIME: cannot read ${String(v)} as a timestamp`);
  return { kind: 'timestamp', ms };
}

function astPoint(p: AstTimePoint, params: readonly SqlValue[], txn: Transaction): TimePoint {
  switch (p.kind) {
    case 'lsn':
      return asLsn(need(constValue(p.value, params, txn), 'LSN'));
    case 'timestamp':
      return asTs(need(constValue(p.value, params, txn), 'TIMESTAMP'));
    case 'snapshot':
      return { kind: 'snapshot', name: String(need(constValue(p.name, params, txn), 'SNAPSHOT')) };
    case 'branch':
      return { kind: 'branch', name: String(need(constValue(p.name, params, txn), 'BRANCH')) };
    case 'versionOffset':
      return { kind: 'relative', versionOffset: -p.offset };
    case 'expr': {
      const v = need(constValue(p.value, params, txn), 'point');
      return typeof v === 'string' ? asTs(v) : asLsn(v);
    }
  }
}

/** LSN bound of a history clause endpoint; `exclusiveTs` reads "strictly before" for timestamps. */
async function boundLsn(h: PointHost, p: TimePoint, before: boolean): Promise<number> {
  if (p.kind === 'timestamp' && before) {
    return lsnAtTimestamp(h.engine, layersOf(h, h.branch, h.engine.lastVisibleLsn), p.ms - 1);
  }
  return (await resolvePoint(h, p)).lsn;
}

/**
 * Resolves every FOR SYSTEM_TIME reference of a statement. The returned views must be
 * released by the caller (`release()` on each binding's view) after execution.
 */
export async function bindTemporal(h: PointHost, refs: readonly TableRef[], params: readonly SqlValue[], txn: Transaction): Promise<Map<TableRef, TemporalBinding>> {
  const out = new Map<TableRef, TemporalBinding>();
  try {
    for (const ref of refs) {
      const t = ref.temporal!;
      if (t.kind === 'asOf') {
        const tp = astPoint(t.point, params, txn);
        const point = await resolvePoint(h, tp);
        const { view, catalog } = await openView(h, point);
        out.set(ref, { kind: 'asOf', view, catalog, label: describe(tp, point) });
        continue;
      }
      const e = h.engine;
      const latest: ReadPoint = { branch: h.branch, lsn: e.lastVisibleLsn };
      let keep: (from: number, to: number) => boolean = () => true;
      let label = 'FOR SYSTEM_TIME ALL';
      if (t.kind === 'between' || t.kind === 'fromTo') {
        const a = astPoint(t.from, params, txn);
        const b = astPoint(t.to, params, txn);
        const la = await boundLsn(h, a, false);
        e.readPoint(la);
        if (t.kind === 'between') {
          const lb = await boundLsn(h, b, false);
          keep = (from, to) => from <= lb && to > la;
          label = `BETWEEN LSN ${la} AND LSN ${lb}`;
        } else if (b.kind === 'timestamp') {
          const lb = await boundLsn(h, b, true);
          keep = (from, to) => from <= lb && to > la;
          label = `FROM LSN ${la} TO before LSN ${lb + 1}`;
        } else {
          const lb = await boundLsn(h, b, false);
          keep = (from, to) => from < lb && to > la;
          label = `FROM LSN ${la} TO LSN ${lb}`;
        }
      }
      const { view, catalog } = await openView(h, latest);
      const times = new Map<number, number>();
      for (const c of await commits(e, view.layers)) times.set(c.lsn, c.ts);
      out.set(ref, { kind: 'history', view, catalog, keep, timeOf: (l) => times.get(l), label });
    }
  } catch (err) {
    for (const b of out.values()) b.view.release();
    throw err;
  }
  return out;
}

function describe(tp: TimePoint, p: ReadPoint): string {
  switch (tp.kind) {
    case 'timestamp':
      return `AS OF TIMESTAMP ${formatTimestamp(tp.ms)} = LSN ${p.lsn}`;
    case 'snapshot':
      return `AS OF SNAPSHOT ${tp.name} = LSN ${p.lsn}`;
    case 'branch':
      return `AS OF BRANCH ${tp.name}`;
    default:
      return `AS OF LSN ${p.lsn}`;
  }
}

/**
 * The fast path of `bindTemporal`: only AS OF LSN points whose schema is already cached, so
 * point queries on a past LSN cost what they cost on the present. Undefined otherwise.
 */
export function bindTemporalSync(h: PointHost, refs: readonly TableRef[], params: readonly SqlValue[], txn: Transaction): Map<TableRef, TemporalBinding> | undefined {
  const out = new Map<TableRef, TemporalBinding>();
  for (const ref of refs) {
    const t = ref.temporal!;
    if (t.kind !== 'asOf' || (t.point.kind !== 'lsn' && t.point.kind !== 'expr')) return release(out);
    let tp: TimePoint;
    try {
      tp = astPoint(t.point, params, txn);
    } catch {
      return release(out);
    }
    if (tp.kind !== 'lsn') return release(out);
    const point = { branch: h.branch, lsn: h.engine.readPoint(tp.lsn) };
    const catalog = h.cachedCatalog(point.branch, point.lsn);
    if (!catalog) return release(out);
    out.set(ref, { kind: 'asOf', view: new Transaction(h.engine, point.lsn, point.branch, catalog, h.ancestors(point.branch), true), catalog, label: `AS OF LSN ${point.lsn}` });
  }
  return out;
}

function release(m: Map<TableRef, TemporalBinding>): undefined {
  for (const b of m.values()) b.view.release();
  return undefined;
}
