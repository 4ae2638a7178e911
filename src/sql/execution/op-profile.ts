// Per-operator profiles of one SELECT (`db.query(sql, params, { profile: true })`, `EXPLAIN
// ANALYZE`), as SQLite's `.scanstats` and DuckDB's EXPLAIN ANALYZE report them: for each
// operator of the plan the times it was started (loops), the rows it took in and gave out, and
// the wall time spent in it. The profiler instruments a plan of its own (never a cached one:
// the caller compiles a fresh plan), wrapping each operator's `run` to count batches and time
// `next()`; the join's levels (table scans, lookups and their filters, which are not separate
// operators) are counted by JoinOp itself through `levelStats`.
import type { ExecEnv, Row } from './env.js';
import { JoinOp, type LevelStats } from './join-op.js';
import type { Operator } from './operators.js';

/** One row of a profile: an operator, or a table access / filter inside a join. */
export interface OperatorProfile {
  /** Position in the tree (depth-first, from 1) and the parent's id (0 for the root). */
  id: number;
  parent: number;
  /** 'Project', 'Filter', 'Join', 'Scan', 'Search', 'Sort', 'Aggregate', 'Limit', ... */
  operator: string;
  /** What EXPLAIN QUERY PLAN says of it ('SCAN t', 'USE TEMP B-TREE FOR ORDER BY'), or ''. */
  detail: string;
  /** Times the operator was started (an inner join level: once per outer row it was probed for). */
  loops: number;
  /** Rows its inputs gave it (a scan: 0; a join level's filter: the candidate rows it tested). */
  rowsIn: number;
  /** Rows it gave out over all loops (a scan or search: rows read from the table or index). */
  rowsOut: number;
  /** Wall time inside the operator, its inputs included, ms; null for a join level (timed with the join). */
  timeMs: number | null;
  /** timeMs minus its operator children's, ms; null for a join level. */
  selfMs: number | null;
}

interface Counter {
  loops: number;
  rowsOut: number;
  ms: number;
}

interface Node {
  operator: string;
  detail: string;
  op?: Operator;
  counter?: Counter;
  level?: { stats: LevelStats; part: 'read' | 'pushed' | 'filter' };
  children: Node[];
}

const now = (): number => performance.now();

function isOperator(v: unknown): v is Operator {
  return typeof v === 'object' && v !== null && typeof (v as Operator).run === 'function' && typeof (v as Operator).describe === 'function';
}

/** The operator fields of `op` (its inputs), in declaration order. */
function inputsOf(op: Operator): Operator[] {
  const out: Operator[] = [];
  for (const v of Object.values(op)) {
    if (isOperator(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (isOperator(x)) out.push(x);
  }
  return out;
}

function nameOf(op: Operator): string {
  return op.constructor.name.replace(/Op$/, '') || 'Operator';
}

/** The EXPLAIN QUERY PLAN lines `op` adds beyond its inputs' (trimmed, joined with '; '). */
function ownDetail(op: Operator, inputs: readonly Operator[]): string {
  const all: string[] = [];
  op.describe(all, 0);
  const theirs: string[] = [];
  for (const i of inputs) i.describe(theirs, 0);
  const left = new Map<string, number>();
  for (const l of theirs) left.set(l.trim(), (left.get(l.trim()) ?? 0) + 1);
  const own: string[] = [];
  for (const l of all) {
    const t = l.trim();
    const n = left.get(t) ?? 0;
    if (n > 0) left.set(t, n - 1);
    else own.push(t);
  }
  return own.join('; ');
}

/** Wraps a generator so its batches and the time inside `next()` are counted. */
async function* counted(gen: AsyncGenerator<Row[]>, c: Counter): AsyncGenerator<Row[]> {
  try {
    for (;;) {
      const t = now();
      let r: IteratorResult<Row[]>;
      try {
        r = await gen.next();
      } finally {
        c.ms += now() - t;
      }
      if (r.done) return;
      c.rowsOut += r.value.length;
      yield r.value;
    }
  } finally {
    await gen.return(undefined);
  }
}

/** Collects one execution's per-operator counts over a freshly compiled plan. */
export class OperatorProfiler {
  private root: Node | undefined;
  private readonly done = new WeakSet<Operator>();

  /**
   * Instruments the plan rooted at `op` (idempotent; a second attach, a rerun, resets the counts).
   * The plan must be this profiler's own: its operators' `run` are replaced and their
   * synchronous fast paths turned off, so every row goes through a counted `run`.
   */
  attach(op: Operator): void {
    if (this.root && this.done.has(op)) {
      reset(this.root);
      return;
    }
    this.root = this.build(op);
  }

  private build(op: Operator): Node {
    const inputs = inputsOf(op);
    const counter: Counter = { loops: 0, rowsOut: 0, ms: 0 };
    if (!this.done.has(op)) {
      this.done.add(op);
      const run = op.run.bind(op);
      const self = op as { run: (env: ExecEnv) => AsyncGenerator<Row[]>; runOnce?: unknown };
      self.run = (env: ExecEnv) => {
        counter.loops++;
        return counted(run(env), counter);
      };
      self.runOnce = undefined;
    }
    // A join's EXPLAIN lines are its levels', reported on the level rows below it.
    const detail = op instanceof JoinOp ? '' : ownDetail(op, inputs);
    const node: Node = { operator: nameOf(op), detail, op, counter, children: inputs.map((i) => this.build(i)) };
    if (op instanceof JoinOp) node.children.push(...this.joinLevels(op));
    return node;
  }

  private joinLevels(op: JoinOp): Node[] {
    const lines: string[] = [];
    op.describe(lines, 0);
    const stats = op.profileLevels();
    return op.levels.map((level, i) => {
      const s = stats[i]!;
      // A derived table or CTE read by the level: its own operators under the scan.
      const sub = (level.leaf.plan as { op?: unknown } | undefined)?.op;
      const access: Node = {
        operator: level.access.kind === 'scan' || level.access.kind === 'hash' ? 'Scan' : level.access.kind === 'tvf' ? 'TableFunction' : 'Search',
        detail: (lines[i] ?? '').trim(),
        level: { stats: s, part: 'read' },
        children: isOperator(sub) ? [this.build(sub)] : [],
      };
      const pushed: Node = level.scanPreds.length ? { operator: 'Filter', detail: `PUSHED DOWN TO ${level.leaf.label}`, level: { stats: s, part: 'pushed' }, children: [access] } : access;
      if (level.preds.length + level.onPreds.length === 0) return pushed;
      return { operator: 'Filter', detail: '', level: { stats: s, part: 'filter' }, children: [pushed] };
    });
  }

  /** The profile rows, depth first (as EXPLAIN QUERY PLAN's), after the statement ran. */
  report(): OperatorProfile[] {
    const out: OperatorProfile[] = [];
    const walk = (n: Node, parent: number): number => {
      const id = out.length + 1;
      const row: OperatorProfile = { id, parent, operator: n.operator, detail: n.detail, loops: 0, rowsIn: 0, rowsOut: 0, timeMs: null, selfMs: null };
      out.push(row);
      let childMs = 0;
      let rowsIn = 0;
      for (const c of n.children) {
        const cid = walk(c, id);
        const cr = out[cid - 1]!;
        rowsIn += cr.rowsOut;
        childMs += cr.timeMs ?? 0;
      }
      if (n.counter) {
        row.loops = n.counter.loops;
        row.rowsOut = n.counter.rowsOut;
        row.rowsIn = rowsIn;
        row.timeMs = n.counter.ms;
        row.selfMs = Math.max(0, n.counter.ms - childMs);
      } else if (n.level) {
        const s = n.level.stats;
        if (n.level.part === 'read') {
          row.loops = s.reads;
          row.rowsIn = rowsIn;
          row.rowsOut = s.read;
        } else if (n.level.part === 'pushed') {
          row.loops = s.reads;
          row.rowsIn = s.read;
          row.rowsOut = s.kept;
        } else {
          row.loops = s.loops;
          row.rowsIn = s.tested;
          row.rowsOut = s.passed;
        }
      }
      return id;
    };
    if (this.root) walk(this.root, 0);
    return out;
  }
}

function reset(n: Node): void {
  if (n.counter) Object.assign(n.counter, { loops: 0, rowsOut: 0, ms: 0 });
  if (n.level) Object.assign(n.level.stats, { loops: 0, reads: 0, read: 0, kept: 0, tested: 0, passed: 0 });
  for (const c of n.children) reset(c);
}
