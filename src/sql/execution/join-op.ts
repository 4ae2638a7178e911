// JoinOp, the join the planner builds for left-deep INNER/CROSS/LEFT joins (plan-join.ts
// chooses join order and access paths): a nested loop over levels with per-level access (key
// lookups, a scan or hash build kept for the whole join). RIGHT/FULL joins and parenthesised
// right sides go to TreeJoinOp (tree-join-op.ts).
import { DoSQLError } from '../../errors.js';
import { encodeRange } from '../../lsm/engine-types.js';
import { compareBytes } from '../../util/bytes.js';
import type { KeyValue } from '../../mvcc/key-codec.js';
import type { IndexSchema } from '../catalog/schema.js';
import { collationKey, indexKeyBound, tableKeyFromIndexKey } from '../rows/row-keys.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { predicatesPass } from './evaluate.js';
import { leafRows, widen, type JoinLeaf } from './join-leaf.js';
import * as ops from './value-ops.js';
import type { Operator } from './operators.js';
import { rowBytes } from './statement-guard.js';

export interface KeyProbe {
  readonly c: Compiled;
  readonly aff: Affinity | null;
  readonly coll: Collation;
}

export type Access =
  | { readonly kind: 'scan' }
  | { readonly kind: 'rowid'; readonly probes: readonly KeyProbe[]; readonly desc: string }
  | { readonly kind: 'pk'; readonly probes: readonly KeyProbe[]; readonly full: boolean; readonly desc: string }
  /** Equality probes on the index's leading columns, then optionally a range (`lo`/`hi`) on the next one. */
  | { readonly kind: 'index'; readonly index: IndexSchema; readonly probes: readonly KeyProbe[]; readonly lo?: { p: KeyProbe; incl: boolean }; readonly hi?: { p: KeyProbe; incl: boolean }; readonly desc: string }
  | { readonly kind: 'rowidRange'; readonly lo?: { p: KeyProbe; incl: boolean }; readonly hi?: { p: KeyProbe; incl: boolean }; readonly desc: string }
  | { readonly kind: 'historyKey'; readonly probes: readonly KeyProbe[]; readonly desc: string }
  /** A table-valued function called per joined row (its arguments may read earlier levels); `cached` when they read none. */
  | { readonly kind: 'tvf'; readonly cached: boolean; readonly desc: string }
  | { readonly kind: 'hash'; readonly inner: readonly Compiled[]; readonly outer: readonly Compiled[]; readonly conv: readonly { inner: Affinity | null; outer: Affinity | null; coll: Collation }[] };

export interface Level {
  readonly leaf: JoinLeaf;
  readonly access: Access;
  /** Checked after the level's columns are bound (for LEFT levels: after null-extension too). */
  readonly preds: Compiled[];
  /** LEFT JOIN match conditions. */
  readonly onPreds: Compiled[];
  readonly left: boolean;
  /** Filters applied while materialising a scanned inner level (reference only this source). */
  readonly scanPreds: Compiled[];
}

interface LevelState {
  rows?: Row[];
  hash?: Map<unknown, Row[]>;
  /** Bytes of `rows` / `hash` charged to the statement's memory budget. */
  bytes: number;
}

function probeValue(p: KeyProbe, row: Row, env: ExecEnv): KeyValue | undefined {
  let v: SqlValue = p.c.ev(row, env);
  if (v === null) return undefined;
  if (p.aff) v = ops.applyAffinity(v, p.aff);
  return collationKey(v, p.coll);
}

/** Key values of all probes; undefined when one is NULL (nothing can match). */
function probeValues(probes: readonly KeyProbe[], row: Row, env: ExecEnv): KeyValue[] | undefined {
  const keys: KeyValue[] = [];
  for (const p of probes) {
    const k = probeValue(p, row, env);
    if (k === undefined) return undefined;
    keys.push(k);
  }
  return keys;
}

/** A join level's counts in a profiled run (op-profile.ts; SQLite's scanstats nLoop / nVisit). */
export interface LevelStats {
  /** Times the level's rows were fetched (level 0: once per run; inner: once per outer row). */
  loops: number;
  /** Times its table, index or source was read, and the rows read (a scanned or hashed inner table: once). */
  reads: number;
  read: number;
  /** Of those, rows kept by the filters pushed down to the read (a scanned inner level's own conditions). */
  kept: number;
  /** Candidate rows tested against its conditions, and those that passed. */
  tested: number;
  passed: number;
}

export class JoinOp implements Operator {
  runOnce?: (env: ExecEnv) => Row[] | Promise<Row[]>;
  /** Set only on a plan being profiled; every count below is skipped when undefined. */
  private stats?: LevelStats[];

  /** Turns counting on (a profiled plan of its own) and returns the per-level counts. */
  profileLevels(): LevelStats[] {
    return (this.stats ??= this.levels.map(() => ({ loops: 0, reads: 0, read: 0, kept: 0, tested: 0, passed: 0 })));
  }

  constructor(
    readonly levels: readonly Level[],
    readonly width: number,
    readonly prefilter: readonly Compiled[],
  ) {
    const l0 = levels[0]!;
    const a = l0.access;
    const simple = (cs: readonly Compiled[]): boolean => cs.every((c) => c.subqueries.length === 0);
    if (levels.length === 1 && ((a.kind === 'rowid' && a.probes.length === 1) || (a.kind === 'pk' && a.full)) && simple(l0.preds) && simple(prefilter)) {
      this.runOnce = (env) => this.pointLookup(env);
    } else if (levels.length === 1 && (a.kind === 'index' || a.kind === 'rowidRange' || a.kind === 'rowid' || a.kind === 'pk') && simple(l0.preds) && simple(prefilter)) {
      // One lookup reads all its rows at once anyway: returned whole, without the nested
      // loop's generator steps (an index range of a few rows is mostly fixed cost).
      this.runOnce = (env) => this.lookupOnce(env);
    }
  }

  private async lookupOnce(env: ExecEnv): Promise<Row[]> {
    const empty = (this.nullRow ??= new Array<SqlValue>(this.width).fill(null));
    if (this.prefilter.length && predicatesPass(this.prefilter, empty, env) !== true) return [];
    const l0 = this.levels[0]!;
    const rows = await this.lookup(l0, new Array<SqlValue>(this.width).fill(null), env);
    const preds = l0.preds;
    if (preds.length === 0) return rows;
    const out: Row[] = [];
    for (const r of rows) if (predicatesPass(preds, r, env) === true) out.push(r);
    return out;
  }

  /** All-NULL row the point lookup evaluates its probes and prefilter against (they read parameters, not the row). */
  private nullRow: Row | undefined;

  /** A single primary-key lookup: synchronous when the row is in the memtable. */
  private pointLookup(env: ExecEnv): Row[] | Promise<Row[]> {
    const empty = (this.nullRow ??= new Array<SqlValue>(this.width).fill(null));
    if (this.prefilter.length && predicatesPass(this.prefilter, empty, env) !== true) return [];
    const l0 = this.levels[0]!;
    const a = l0.access as Extract<Access, { kind: 'rowid' | 'pk' }>;
    const keys = probeValues(a.probes, empty, env);
    if (!keys) return [];
    const r = l0.leaf.reader!.get(env, keys);
    return r instanceof Promise ? r.then((x) => this.pointFinish(x, env)) : this.pointFinish(r, env);
  }

  private pointFinish(r: Row | undefined, env: ExecEnv): Row[] {
    return r && predicatesPass(this.levels[0]!.preds, r, env) === true ? [r] : [];
  }

  /**
   * The nested loop, iteratively: level 0 streams; for each of its rows the inner levels are
   * walked with an explicit cursor per level, so output leaves in batches of BATCH_ROWS however
   * many rows one outer row makes (a cross join never piles its product up in memory), and the
   * statement guard is ticked per candidate row (a long join yields and can be interrupted).
   */
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    if (this.prefilter.length && !(await predicatesPass(this.prefilter, new Array(this.width).fill(null), env))) return;
    const levels = this.levels;
    const n = levels.length;
    const guard = env.guard;
    const states: LevelState[] = levels.map(() => ({ bytes: 0 }));
    const rowsAt: Row[][] = new Array(n);
    const pos = new Int32Array(n);
    // Per level: 1 = some candidate matched the ON condition, 2 = already null-extended.
    const flags = new Uint8Array(n);
    const l0 = levels[0]!;
    const stats = this.stats;
    if (stats) {
      stats[0]!.loops++;
      stats[0]!.reads++;
    }
    let out: Row[] = [];
    try {
      for await (const batch of this.stream(l0, env)) {
        if (stats) {
          stats[0]!.read += batch.length;
          stats[0]!.kept += batch.length;
          stats[0]!.tested += batch.length;
        }
        for (const cur of batch) {
          let ok = predicatesPass(l0.preds, cur, env);
          if (ok instanceof Promise) ok = await ok;
          if (!ok) continue;
          if (stats) stats[0]!.passed++;
          if (n === 1) {
            out.push(cur);
            continue;
          }
          let i = 1;
          if (stats) stats[1]!.loops++;
          let c = this.candidates(levels[1]!, cur, env, states[1]!);
          rowsAt[1] = c instanceof Promise ? await c : c;
          pos[1] = 0;
          flags[1] = 0;
          while (i >= 1) {
            const level = levels[i]!;
            const rows = rowsAt[i]!;
            const off = level.leaf.src.offset;
            const end = off + level.leaf.src.columns.length;
            if (pos[i]! < rows.length) {
              const r = rows[pos[i]!++]!;
              if (stats) stats[i]!.tested++;
              const t = guard.tick();
              if (t) await t;
              for (let j = off; j < end; j++) cur[j] = r[j]!;
              if (level.left) {
                let on = predicatesPass(level.onPreds, cur, env);
                if (on instanceof Promise) on = await on;
                if (!on) continue;
                flags[i]! |= 1;
              }
            } else if (level.left && flags[i] === 0) {
              // LEFT JOIN: no candidate matched, so the level contributes one all-NULL row.
              flags[i] = 2;
              if (stats) stats[i]!.tested++;
              for (let j = off; j < end; j++) cur[j] = null;
            } else {
              i--;
              continue;
            }
            let ok = predicatesPass(level.preds, cur, env);
            if (ok instanceof Promise) ok = await ok;
            if (!ok) continue;
            if (stats) stats[i]!.passed++;
            if (i === n - 1) {
              out.push(cur.slice());
              if (out.length >= BATCH_ROWS) {
                yield out;
                out = [];
              }
              continue;
            }
            i++;
            if (stats) stats[i]!.loops++;
            c = this.candidates(levels[i]!, cur, env, states[i]!);
            rowsAt[i] = c instanceof Promise ? await c : c;
            pos[i] = 0;
            flags[i] = 0;
          }
        }
        if (out.length >= BATCH_ROWS) {
          yield out;
          out = [];
        }
      }
      if (out.length) yield out;
    } finally {
      for (const st of states) guard.release(st.bytes);
    }
  }

  private async *stream(level: Level, env: ExecEnv): AsyncGenerator<Row[]> {
    const leaf = level.leaf;
    if (level.access.kind === 'scan') {
      if (leaf.reader) {
        yield* leaf.reader.scan(env);
        return;
      }
      if (leaf.plan?.stream) {
        // The outermost loop pulls a derived table or CTE batch by batch, so a LIMIT above
        // stops it: `WITH RECURSIVE c AS (... unbounded ...) SELECT x FROM c LIMIT 5` ends.
        for await (const b of leaf.plan.stream(env)) yield widen(b, leaf.src.offset, this.width);
        return;
      }
      yield await leafRows(leaf, env, this.width);
      return;
    }
    if (level.access.kind === 'tvf') {
      yield* leaf.tvf!.batches(new Array(this.width).fill(null), env);
      return;
    }
    const rows = await this.lookup(level, new Array(this.width).fill(null), env);
    if (rows.length) yield rows;
  }

  /** A scanned or hashed inner level's rows, filtered, charged to the budget (released when the join ends). */
  private async materialize(level: Level, env: ExecEnv, st: LevelState): Promise<Row[]> {
    let rows = await leafRows(level.leaf, env, this.width);
    const s = this.stats?.[this.levels.indexOf(level)];
    if (s) {
      s.reads++;
      s.read += rows.length;
    }
    if (level.scanPreds.length) {
      const kept: Row[] = [];
      for (const r of rows) {
        let ok = predicatesPass(level.scanPreds, r, env);
        if (ok instanceof Promise) ok = await ok;
        if (ok) kept.push(r);
      }
      rows = kept;
    }
    if (s) s.kept += rows.length;
    let bytes = 0;
    for (const r of rows) bytes += rowBytes(r);
    env.guard.charge(bytes, `the join's copy of ${level.leaf.label}`);
    st.bytes += bytes;
    return rows;
  }

  private async lookup(level: Level, cur: Row, env: ExecEnv): Promise<Row[]> {
    const a = level.access;
    if (a.kind === 'historyKey') {
      const keys = probeValues(a.probes, cur, env);
      if (!keys) return [];
      const off = level.leaf.src.offset;
      return (await level.leaf.plan!.runKey!(env, keys)).map((r) => {
        const w: Row = cur.slice();
        for (let i = 0; i < r.length; i++) w[off + i] = r[i]!;
        return w;
      });
    }
    const reader = level.leaf.reader!;
    const branch = reader.kv(env).branch;
    const t = level.leaf.table!;
    switch (a.kind) {
      case 'rowid': {
        const out: Row[] = [];
        const seen = a.probes.length > 1 ? new Set<unknown>() : undefined;
        for (const p of a.probes) {
          const k = probeValue(p, cur, env);
          if (k === undefined) continue;
          if (seen) {
            const hk = ops.hashKey(k as SqlValue, 'BINARY');
            if (seen.has(hk)) continue;
            seen.add(hk);
          }
          const r = await reader.get(env, [k]);
          if (r) out.push(r);
        }
        return out;
      }
      case 'pk': {
        const keys = probeValues(a.probes, cur, env);
        if (!keys) return [];
        if (a.full) {
          const r = await reader.get(env, keys);
          return r ? [r] : [];
        }
        const { lower, upper } = encodeRange(branch, t.id, { prefix: keys });
        const out: Row[] = [];
        for await (const b of reader.scan(env, lower, upper)) out.push(...b);
        return out;
      }
      case 'index': {
        const keys = probeValues(a.probes, cur, env);
        if (!keys) return [];
        // A range bound is NULL: the comparison is never true. The WHERE terms are still
        // applied to every row read (the range only narrows the index entries visited).
        // Index keys are (columns..., row key): bounds are prefixes [lo] / [hi] of them,
        // and `prefix + 0xFF` lies above every key with that prefix (encodeRange's rule).
        let lower: Uint8Array;
        let upper: Uint8Array;
        if (a.lo) {
          const k = probeValue(a.lo.p, cur, env);
          if (k === undefined) return [];
          lower = indexKeyBound(branch, a.index.id, keys, k, !a.lo.incl);
        } else lower = indexKeyBound(branch, a.index.id, keys, undefined, false);
        if (a.hi) {
          const k = probeValue(a.hi.p, cur, env);
          if (k === undefined) return [];
          upper = indexKeyBound(branch, a.index.id, keys, k, a.hi.incl);
        } else upper = indexKeyBound(branch, a.index.id, keys, undefined, true);
        if (compareBytes(lower, upper) >= 0) return [];
        const out: Row[] = [];
        const kv = reader.kv(env);
        // Index entries in batches; each batch's rows read together (one snapshot of the
        // engine's sources, neighbouring rows from one block), kept in index order. First by
        // the engine's synchronous direct path while it applies (the range's only source is
        // one memtable), then by the merged scan from where it stopped.
        for (;;) {
          const d = kv.scanDirect(lower, upper, BATCH_ROWS);
          if (!d) break;
          const n = d.uks.length;
          if (n > 0) {
            const uks = new Array<Uint8Array>(n);
            for (let i = 0; i < n; i++) uks[i] = tableKeyFromIndexKey(branch, t, a.index, d.uks[i]!);
            let rows = reader.getRawMany(env, uks);
            if (rows instanceof Promise) rows = await rows;
            for (const r of rows) if (r) out.push(r);
            const tk = env.guard.tick(n);
            if (tk) await tk;
          }
          if (!d.resume) return out;
          lower = d.resume;
        }
        for await (const batch of kv.scanBatches(lower, upper, false, BATCH_ROWS)) {
          const uks = new Array<Uint8Array>(batch.length);
          for (let i = 0; i < batch.length; i++) uks[i] = tableKeyFromIndexKey(branch, t, a.index, batch[i]!.uk);
          let rows = reader.getRawMany(env, uks);
          if (rows instanceof Promise) rows = await rows;
          for (const r of rows) if (r) out.push(r);
          const tk = env.guard.tick(batch.length);
          if (tk) await tk;
        }
        return out;
      }
      case 'rowidRange': {
        const range: { gt?: KeyValue[]; gte?: KeyValue[]; lt?: KeyValue[]; lte?: KeyValue[] } = {};
        if (a.lo) {
          const k = probeValue(a.lo.p, cur, env);
          if (k === undefined) return [];
          range[a.lo.incl ? 'gte' : 'gt'] = [k];
        }
        if (a.hi) {
          const k = probeValue(a.hi.p, cur, env);
          if (k === undefined) return [];
          range[a.hi.incl ? 'lte' : 'lt'] = [k];
        }
        const { lower, upper } = encodeRange(branch, t.id, range);
        const out: Row[] = [];
        for await (const b of reader.scan(env, lower, upper)) out.push(...b);
        return out;
      }
      default:
        throw new DoSQLError('INVALID_ARGUMENT', 'sql: internal: lookup on a scan level');
    }
  }

  private candidates(level: Level, cur: Row, env: ExecEnv, st: LevelState): Row[] | Promise<Row[]> {
    const a = level.access;
    if (a.kind === 'scan') {
      if (st.rows) return st.rows;
      return this.materialize(level, env, st).then((rows) => (st.rows = rows));
    }
    if (a.kind === 'hash') {
      const build = (rows: Row[]): Map<unknown, Row[]> => {
        const m = new Map<unknown, Row[]>();
        for (const r of rows) {
          const k = hashKeyOf(a.inner, a.conv, 'inner', r, env);
          if (k === undefined) continue;
          const list = m.get(k);
          if (list) list.push(r);
          else m.set(k, [r]);
        }
        return m;
      };
      const probeHash = (m: Map<unknown, Row[]>): Row[] => {
        const k = hashKeyOf(a.outer, a.conv, 'outer', cur, env);
        return k === undefined ? [] : (m.get(k) ?? []);
      };
      if (st.hash) return probeHash(st.hash);
      return this.materialize(level, env, st).then((rows) => probeHash((st.hash = build(rows))));
    }
    if (a.kind === 'tvf') {
      if (st.rows) return st.rows;
      const rows = level.leaf.tvf!.rows(cur, env);
      return a.cached ? rows.then((r) => (st.rows = r)) : rows;
    }
    if (!this.stats) return this.lookup(level, cur, env);
    const s = this.stats[this.levels.indexOf(level)]!;
    return this.lookup(level, cur, env).then((rows) => {
      s.reads++;
      s.read += rows.length;
      s.kept += rows.length;
      return rows;
    });
  }

  describe(out: string[], depth: number): void {
    const pad = '  '.repeat(depth);
    for (const l of this.levels) {
      const a = l.access;
      if (a.kind === 'scan' || a.kind === 'hash') {
        if (l.leaf.plan && !l.leaf.table) {
          out.push(`${pad}${l.leaf.label}`);
        } else out.push(`${pad}SCAN ${l.leaf.label}${a.kind === 'hash' ? ' (HASH JOIN)' : ''}`);
      } else out.push(`${pad}${a.desc}`);
    }
  }
}

function hashKeyOf(exprs: readonly Compiled[], conv: readonly { inner: Affinity | null; outer: Affinity | null; coll: Collation }[], side: 'inner' | 'outer', row: Row, env: ExecEnv): unknown {
  let key = '';
  for (let i = 0; i < exprs.length; i++) {
    let v = exprs[i]!.ev(row, env);
    if (v === null) return undefined;
    const aff = conv[i]![side];
    if (aff) v = ops.applyAffinity(v, aff);
    const k = ops.hashKey(v, conv[i]!.coll);
    if (exprs.length === 1) return k;
    key += typeof k === 'string' ? `s${k.length}:${k}` : `${typeof k}:${String(k)};`;
  }
  return key;
}
