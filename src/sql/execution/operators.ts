// Row operators: each turns batches of rows into batches of rows. They are pulled by the
// statement (streaming); Sort, Aggregate and set operations buffer by nature.
import { DoSQLError } from '../../errors.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { evaluate, filterRows } from './evaluate.js';
import * as ops from './value-ops.js';
import { keyBytes, rowBytes } from './statement-guard.js';

export interface Operator {
  run(env: ExecEnv): AsyncGenerator<Row[]>;
  /**
   * All rows at once without generators, synchronously when the data is in memory; only
   * offered by operators whose result is known to be tiny (primary-key lookups). The fast
   * path of point queries.
   */
  runOnce?(env: ExecEnv): Row[] | Promise<Row[]>;
  /** EXPLAIN QUERY PLAN lines, indented by depth. */
  describe(out: string[], depth: number): void;
}

export class FilterOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly preds: readonly Compiled[],
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    for await (const b of this.input.run(env)) {
      const out = await filterRows(b, this.preds, env);
      if (out.length) yield out;
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
  }
}

/** Computes output rows from input rows. */
export class ProjectOp implements Operator {
  private readonly async: boolean;
  constructor(
    readonly input: Operator,
    readonly exprs: readonly Compiled[],
  ) {
    this.async = exprs.some((e) => e.subqueries.length > 0);
    if (!this.async && input.runOnce) {
      const inner = input.runOnce.bind(input);
      this.runOnce = (env: ExecEnv): Row[] | Promise<Row[]> => {
        const r = inner(env);
        return r instanceof Promise ? r.then((rows) => this.projectSync(rows, env)) : this.projectSync(r, env);
      };
    }
  }

  runOnce?: (env: ExecEnv) => Row[] | Promise<Row[]>;

  private projectSync(rows: Row[], env: ExecEnv): Row[] {
    const exprs = this.exprs;
    const n = exprs.length;
    const out: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const o: Row = new Array(n);
      for (let j = 0; j < n; j++) o[j] = exprs[j]!.ev(rows[i]!, env);
      out[i] = o;
    }
    return out;
  }
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const exprs = this.exprs;
    const n = exprs.length;
    for await (const b of this.input.run(env)) {
      const out: Row[] = new Array(b.length);
      for (let i = 0; i < b.length; i++) {
        const r = b[i]!;
        const o: Row = new Array(n);
        if (this.async) for (let j = 0; j < n; j++) o[j] = await evaluate(exprs[j]!, r, env);
        else for (let j = 0; j < n; j++) o[j] = exprs[j]!.ev(r, env);
        out[i] = o;
      }
      yield out;
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
  }
}

/** One row with no columns: a SELECT without FROM. */
export class SingleRowOp implements Operator {
  constructor(readonly width: number) {}
  async *run(): AsyncGenerator<Row[]> {
    yield [new Array(this.width).fill(null)];
  }
  describe(): void {}
}

/** A VALUES clause: rows of compiled expressions, evaluated when run (they may hold subqueries). */
export class ValuesOp implements Operator {
  constructor(readonly rows: readonly (readonly Compiled[])[]) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const out: Row[] = [];
    for (const r of this.rows) {
      const row: Row = [];
      for (const c of r) row.push(await evaluate(c, [], env));
      out.push(row);
    }
    yield out;
  }
  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}SCAN ${this.rows.length} CONSTANT ROW${this.rows.length === 1 ? '' : 'S'}`);
  }
}

export interface SortKey {
  /** Position in the rows being sorted. */
  readonly index: number;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly collation: Collation;
}

export function compareRows(a: Row, b: Row, keys: readonly SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = a[k.index]!;
    const y = b[k.index]!;
    let c: number;
    if (x === null || y === null) {
      if (x === y) continue;
      c = x === null ? (k.nullsFirst ? -1 : 1) : k.nullsFirst ? 1 : -1;
      if (c !== 0) return c;
      continue;
    }
    c = ops.compare(x, y, k.collation);
    if (c !== 0) return k.desc ? -c : c;
  }
  return 0;
}

/** ORDER BY: buffers everything, stable sort. With `limit` keeps only what LIMIT+OFFSET needs. */
export class SortOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly keys: readonly SortKey[],
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const guard = env.guard;
    const all: Row[] = [];
    let held = 0;
    try {
      for await (const b of this.input.run(env)) {
        for (const r of b) {
          const n = rowBytes(r);
          guard.charge(n, 'ORDER BY');
          held += n;
          all.push(r);
        }
      }
      const keys = this.keys;
      all.sort((a, b) => compareRows(a, b, keys));
      for (let i = 0; i < all.length; i += BATCH_ROWS) {
        const batch = all.slice(i, i + BATCH_ROWS);
        // The consumer owns these rows now.
        let n = 0;
        for (const r of batch) n += rowBytes(r);
        guard.release(n);
        held -= n;
        yield batch;
      }
    } finally {
      guard.release(held);
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
    out.push(`${'  '.repeat(depth)}USE TEMP B-TREE FOR ORDER BY`);
  }
}

/** Map key of a row's first `n` values (DISTINCT, GROUP BY, set operations). */
export function rowKey(r: Row, n: number, collations?: readonly Collation[]): unknown {
  if (n === 1) return ops.hashKey(r[0]!, collations?.[0] ?? 'BINARY');
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = ops.hashKey(r[i]!, collations?.[i] ?? 'BINARY');
    s += typeof k === 'string' ? `s${k.length}:${k}` : `${typeof k}:${String(k)};`;
  }
  return s;
}

/** DISTINCT over the first `n` columns. */
export class DistinctOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly n: number,
    readonly collations?: readonly Collation[],
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const seen = new Set<unknown>();
    let held = 0;
    try {
      for await (const b of this.input.run(env)) {
        const out: Row[] = [];
        for (const r of b) {
          const k = rowKey(r, this.n, this.collations);
          if (seen.has(k)) continue;
          const n = keyBytes(k);
          env.guard.charge(n, 'DISTINCT');
          held += n;
          seen.add(k);
          out.push(r);
        }
        if (out.length) yield out;
      }
    } finally {
      env.guard.release(held);
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
    out.push(`${'  '.repeat(depth)}USE TEMP B-TREE FOR DISTINCT`);
  }
}

/** LIMIT / OFFSET with values computed at run time (SQLite: negative LIMIT means none). */
export class LimitOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly limit: Compiled | undefined,
    readonly offset: Compiled | undefined,
    /** An extra cap from the caller (scalar subqueries need one row). */
    readonly cap?: number,
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    let limit = this.limit ? toLimit(await evaluate(this.limit, [], env), 'LIMIT') : -1;
    let offset = this.offset ? toLimit(await evaluate(this.offset, [], env), 'OFFSET') : 0;
    if (offset < 0) offset = 0;
    if (limit < 0) limit = Infinity;
    if (limit === 0) return;
    for await (const b of this.input.run(env)) {
      let rows = b;
      if (offset > 0) {
        if (offset >= rows.length) {
          offset -= rows.length;
          continue;
        }
        rows = rows.slice(offset);
        offset = 0;
      }
      if (rows.length >= limit) {
        yield rows.slice(0, limit);
        return;
      }
      limit -= rows.length;
      yield rows;
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
  }
}

function toLimit(v: SqlValue, what: string): number {
  const n = ops.applyAffinity(v, 'NUMERIC');
  if (typeof n === 'bigint') return Number(n);
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  throw new DoSQLError('MISMATCH', `sql: datatype mismatch in ${what}`);
}

/** Drops hidden trailing columns (sort keys) from rows. */
export class TrimOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly n: number,
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    for await (const b of this.input.run(env)) {
      for (let i = 0; i < b.length; i++) if (b[i]!.length > this.n) b[i]!.length = this.n;
      yield b;
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
  }
}

/** UNION / UNION ALL / INTERSECT / EXCEPT (lang_select.html#compound). */
export class CompoundOp implements Operator {
  constructor(
    readonly left: Operator,
    readonly right: Operator,
    readonly op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT',
    readonly n: number,
    readonly collations: readonly Collation[],
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const { n, collations } = this;
    if (this.op === 'UNION ALL') {
      yield* this.left.run(env);
      yield* this.right.run(env);
      return;
    }
    const guard = env.guard;
    const what = this.op;
    let held = 0;
    let leftRun: AsyncGenerator<Row[]> | undefined;
    /** Adds `k` to `set`, charging its bytes; false when it was there. */
    const add = (set: Set<unknown>, k: unknown): boolean => {
      if (set.has(k)) return false;
      const b = keyBytes(k);
      guard.charge(b, what);
      held += b;
      set.add(k);
      return true;
    };
    try {
      if (this.op === 'UNION') {
        const seen = new Set<unknown>();
        for (const side of [this.left, this.right]) {
          for await (const b of side.run(env)) {
            const out: Row[] = [];
            for (const r of b) if (add(seen, rowKey(r, n, collations))) out.push(r);
            if (out.length) yield out;
          }
        }
        return;
      }
      // As SQLite does, the right side runs only once the left has a row: an empty left is the
      // answer, and a right side that would fail (a bad frame offset, an overflow) is not run.
      const left = (leftRun = this.left.run(env));
      let first = await left.next();
      while (!first.done && first.value.length === 0) first = await left.next();
      if (first.done) return;
      const right = new Set<unknown>();
      for await (const b of this.right.run(env)) for (const r of b) add(right, rowKey(r, n, collations));
      const seen = new Set<unknown>();
      const keep = this.op === 'INTERSECT';
      const rest = async function* (): AsyncGenerator<Row[]> {
        yield first.value as Row[];
        for (let next = await left.next(); !next.done; next = await left.next()) yield next.value;
      };
      for await (const b of rest()) {
        const out: Row[] = [];
        for (const r of b) {
          const k = rowKey(r, n, collations);
          if (right.has(k) !== keep || !add(seen, k)) continue;
          out.push(r);
        }
        if (out.length) yield out;
      }
    } finally {
      guard.release(held);
      // Stopped early (LIMIT, an error): close the left side's scans.
      await leftRun?.return(undefined);
    }
  }
  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}COMPOUND QUERY`);
    out.push(`${'  '.repeat(depth + 1)}LEFT-MOST SUBQUERY`);
    this.left.describe(out, depth + 2);
    out.push(`${'  '.repeat(depth + 1)}${this.op}`);
    this.right.describe(out, depth + 2);
  }
}
