// GROUP BY and aggregate functions (lang_aggfunc.html, lang_select.html#resultset).
// Output rows are the group's representative input row followed by one slot per
// aggregate, so bare columns in an aggregate query read the representative row — the
// last row of the group, or the row holding the min()/max() when that is the only
// aggregate, as SQLite documents.
import { DoSQLError } from '../../errors.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { evaluate, evaluateSubtyped } from './evaluate.js';
import { plain, type MaybeSubtyped } from '../types/subtype.js';
import * as ops from './value-ops.js';
import { rowKey, type Operator } from './operators.js';
import { keyBytes, rowBytes, valueBytes } from './statement-guard.js';

export interface AggSpec {
  readonly name: string;
  readonly args: readonly Compiled[];
  readonly distinct: boolean;
  readonly filter?: Compiled;
  readonly collation: Collation;
  /** ORDER BY inside the call (`group_concat(x, ',' ORDER BY y)`): rows are stepped in this order. */
  readonly orderBy?: readonly { readonly c: Compiled; readonly desc: boolean; readonly nullsFirst: boolean; readonly collation: Collation }[];
}

interface Group {
  rep: Row;
  keys: Row;
  accs: ops.Accumulator[];
  distinct: (Set<unknown> | undefined)[];
  /** Buffered (args, sort keys) of ordered aggregates. */
  ordered: ({ args: SqlValue[]; keys: SqlValue[] }[] | undefined)[];
  best: SqlValue;
  /** Bytes charged to the statement's memory budget for this group. */
  bytes: number;
}

/** Aggregates whose state grows with their input (the rest keep a few numbers). */
const GROWING = new Set(['group_concat', 'string_agg', 'json_group_array', 'json_group_object', 'jsonb_group_array', 'jsonb_group_object']);

export class AggregateOp implements Operator {
  private readonly minMax: 'min' | 'max' | undefined;
  private readonly async: boolean;

  constructor(
    readonly input: Operator,
    readonly groupBy: readonly Compiled[],
    readonly aggs: readonly AggSpec[],
    readonly inputWidth: number,
  ) {
    const only = aggs.length === 1 ? aggs[0]! : undefined;
    this.minMax = only && only.args.length === 1 && (only.name === 'min' || only.name === 'max') ? only.name : undefined;
    this.async = [...groupBy, ...aggs.flatMap((a) => (a.filter ? [...a.args, a.filter] : a.args))].some((c) => c.subqueries.length > 0);
  }

  private newGroup(env: ExecEnv, rep: Row, keys: Row = []): Group {
    const bytes = rowBytes(rep) + rowBytes(keys) + 64 * this.aggs.length;
    env.guard.charge(bytes, 'GROUP BY');
    return {
      rep,
      keys,
      accs: this.aggs.map((a) => ops.aggregateFunction(a.name)!.create(a.collation, env.maxLength)),
      distinct: this.aggs.map((a) => (a.distinct ? new Set<unknown>() : undefined)),
      ordered: this.aggs.map((a) => (a.orderBy?.length ? [] : undefined)),
      best: null,
      bytes,
    };
  }

  /** Charges `n` more bytes to group `g`. */
  private grow(env: ExecEnv, g: Group, n: number): void {
    env.guard.charge(n, 'GROUP BY');
    g.bytes += n;
  }

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const groups = new Map<unknown, Group>();
    let single: Group | undefined;
    try {
      yield* this.aggregate(env, groups, (g) => (single = g), () => single);
    } finally {
      for (const g of groups.values()) env.guard.release(g.bytes);
      if (single) env.guard.release(single.bytes);
    }
  }

  private async *aggregate(env: ExecEnv, groups: Map<unknown, Group>, setSingle: (g: Group) => void, getSingle: () => Group | undefined): AsyncGenerator<Row[]> {
    const keyVals: Row = new Array(this.groupBy.length);
    const gcoll = this.groupBy.map((g) => g.collation ?? 'BINARY');
    for await (const batch of this.input.run(env)) {
      for (const row of batch) {
        let g: Group;
        if (this.groupBy.length === 0) {
          g = getSingle() ?? this.newGroup(env, row);
          setSingle(g);
        } else {
          for (let i = 0; i < this.groupBy.length; i++) keyVals[i] = this.async ? await evaluate(this.groupBy[i]!, row, env) : this.groupBy[i]!.ev(row, env);
          const k = rowKey(keyVals, keyVals.length, gcoll);
          let found = groups.get(k);
          if (!found) {
            found = this.newGroup(env, row, keyVals.slice());
            this.grow(env, found, keyBytes(k));
            groups.set(k, found);
          }
          g = found;
        }
        let newRep = !this.minMax;
        for (let a = 0; a < this.aggs.length; a++) {
          const spec = this.aggs[a]!;
          if (spec.filter && ops.toBool(this.async ? await evaluate(spec.filter, row, env) : spec.filter.ev(row, env)) !== true) continue;
          const args: SqlValue[] = new Array(spec.args.length);
          // Aggregates that read subtypes (json_group_array) get the values with theirs.
          const sub: MaybeSubtyped[] | undefined = g.accs[a]!.stepSubtyped && spec.args.some((c) => c.evSubtype) ? new Array(args.length) : undefined;
          for (let i = 0; i < args.length; i++) {
            if (sub) {
              const v = this.async ? await evaluateSubtyped(spec.args[i]!, row, env) : (spec.args[i]!.evSubtype ?? spec.args[i]!.ev)(row, env);
              sub[i] = v;
              args[i] = plain(v);
            } else args[i] = this.async ? await evaluate(spec.args[i]!, row, env) : spec.args[i]!.ev(row, env);
          }
          const dset = g.distinct[a];
          if (dset) {
            if (args[0] === null) continue;
            const k = ops.hashKey(args[0]!, spec.collation);
            if (dset.has(k)) continue;
            this.grow(env, g, keyBytes(k));
            dset.add(k);
          }
          if (this.minMax && args[0] !== null) {
            const c = g.best === null ? 0 : ops.compare(args[0]!, g.best, spec.collation);
            if (g.best === null || (this.minMax === 'min' ? c < 0 : c > 0)) {
              g.best = args[0]!;
              newRep = true;
            }
          }
          const buf = g.ordered[a];
          if (buf) {
            const keys: SqlValue[] = [];
            for (const o of spec.orderBy!) keys.push(this.async ? await evaluate(o.c, row, env) : o.c.ev(row, env));
            this.grow(env, g, rowBytes(args) + rowBytes(keys));
            buf.push({ args, keys });
          } else {
            if (GROWING.has(spec.name) && args[0] !== null) this.grow(env, g, valueBytes(args[0]!));
            if (sub) g.accs[a]!.stepSubtyped!(sub);
            else g.accs[a]!.step(args);
          }
        }
        if (newRep) g.rep = row;
      }
    }
    if (this.groupBy.length === 0) {
      const g = getSingle() ?? this.newGroup(env, new Array(this.inputWidth).fill(null));
      setSingle(g);
      yield [this.output(g)];
      return;
    }
    let out: Row[] = [];
    let done = 0;
    for (const g of groups.values()) {
      out.push(this.output(g));
      // The consumer owns the output row; the group's state is garbage from here on.
      done += g.bytes;
      g.bytes = 0;
      if (out.length >= BATCH_ROWS) {
        env.guard.release(done);
        done = 0;
        yield out;
        out = [];
      }
    }
    env.guard.release(done);
    if (out.length) yield out;
  }

  private output(g: Group): Row {
    const r: Row = g.rep.slice(0, this.inputWidth);
    while (r.length < this.inputWidth) r.push(null);
    g.accs.forEach((acc, a) => {
      const buf = g.ordered[a];
      if (buf) {
        const order = this.aggs[a]!.orderBy!;
        buf.sort((x, y) => {
          for (let i = 0; i < order.length; i++) {
            const o = order[i]!;
            const p = x.keys[i]!;
            const q = y.keys[i]!;
            if (p === null || q === null) {
              if (p === q) continue;
              return p === null ? (o.nullsFirst ? -1 : 1) : o.nullsFirst ? 1 : -1;
            }
            const c = ops.compare(p, q, o.collation);
            if (c !== 0) return o.desc ? -c : c;
          }
          return 0;
        });
        for (const e of buf) acc.step(e.args);
      }
      r.push(acc.result());
    });
    for (let i = 0; i < this.groupBy.length; i++) r.push(g.keys[i] ?? null);
    return r;
  }

  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
    if (this.groupBy.length) out.push(`${'  '.repeat(depth)}USE TEMP B-TREE FOR GROUP BY`);
  }
}

export function checkAggregateArity(name: string, n: number): void {
  const f = ops.aggregateFunction(name);
  if (!f) throw new DoSQLError('SQL_ERROR', `sql: no such function: ${name}`);
  if (n < f.minArgs || (f.maxArgs >= 0 && n > f.maxArgs)) throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${name}()`);
}
