// Join planning: splits WHERE/ON into conjuncts, pushes each to the earliest join level
// where its sources are bound, orders inner joins greedily (index lookups first, then
// hash joins, else FROM order), and picks an access path per level: rowid / primary-key /
// index lookups, rowid ranges, hash join on an equality, or a scan.
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Compiled } from '../execution/compiled.js';
import { JoinOp, type Access, type KeyProbe, type Level } from '../execution/join-op.js';
import { TreeJoinOp, type JoinTree } from '../execution/tree-join-op.js';
import type { Operator } from '../execution/operators.js';
import type { Expr } from '../parser/ast.js';
import { indexColumnPositions } from '../rows/row-keys.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import { comparisonCollation, comparisonConversions } from './compile-comparison.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import type { FromNode, FromPlan, Leaf } from './plan-from.js';
import { partialIndexUsable, queryExprKey, schemaExprKey } from './plan-index-match.js';
import { bindTableFunction, compileTableFunctionArgs, isTableFunctionLeaf, type TableFunctionConstraint, type TableFunctionLeaf } from './plan-table-function.js';
import { DoSQLError } from '../../errors.js';

export interface Conjunct {
  readonly ast: Expr;
  readonly c: Compiled;
}

const memos = new WeakMap<CompileContext, (e: Expr) => Compiled>();

/** compileExpr with a per-context cache: join planning looks at each conjunct many times. */
function memoCompile(cx: CompileContext): (e: Expr, _cx?: CompileContext) => Compiled {
  let f = memos.get(cx);
  if (!f) {
    const cache = new WeakMap<Expr, Compiled>();
    f = (e: Expr): Compiled => {
      let c = cache.get(e);
      if (!c) {
        c = compileExpr(e, cx);
        cache.set(e, c);
      }
      return c;
    };
    memos.set(cx, f);
  }
  return f;
}

/** Splits `a AND b AND c` into its conjuncts. */
export function splitAnd(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (!e) return out;
  if (e.kind === 'binary' && e.op === 'AND') {
    splitAnd(e.left, out);
    splitAnd(e.right, out);
  } else out.push(e);
  return out;
}

function isSubset(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

interface Candidate {
  /** Position within the source's columns. */
  readonly col: number;
  readonly op: '=' | '<' | '<=' | '>' | '>=';
  readonly colC: Compiled;
  readonly others: readonly Compiled[];
}

const FLIP = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;

const candMemo = new WeakMap<Expr, Map<Leaf, Candidate[]>>();

/** Shapes of a conjunct usable as a key probe on `leaf` (memoised: join ordering asks often). */
function candidatesFor(conj: Expr, leaf: Leaf, cx: CompileContext): Candidate[] {
  let m = candMemo.get(conj);
  if (!m) candMemo.set(conj, (m = new Map()));
  let c = m.get(leaf);
  if (!c) m.set(leaf, (c = candidatesUncached(conj, leaf, cx)));
  return c;
}

function candidatesUncached(conj: Expr, leaf: Leaf, cx: CompileContext): Candidate[] {
  const compileExpr = memoCompile(cx);
  const off = leaf.src.offset;
  const n = leaf.src.columns.length;
  const si = leaf.src.index;
  const inSource = (c: Compiled): number => (c.columnIndex !== undefined && c.columnIndex >= off && c.columnIndex < off + n ? c.columnIndex - off : -1);
  const out: Candidate[] = [];
  if (conj.kind === 'binary' && (conj.op === '=' || conj.op === '<' || conj.op === '<=' || conj.op === '>' || conj.op === '>=')) {
    const l = compileExpr(conj.left, cx);
    const r = compileExpr(conj.right, cx);
    const lc = inSource(l);
    if (lc >= 0 && !r.sources.has(si) && r.subqueries.length === 0) out.push({ col: lc, op: conj.op, colC: l, others: [r] });
    const rc = inSource(r);
    if (rc >= 0 && !l.sources.has(si) && l.subqueries.length === 0) out.push({ col: rc, op: FLIP[conj.op], colC: r, others: [l] });
  } else if (conj.kind === 'in' && !conj.not && conj.list && conj.list.length > 0) {
    const x = compileExpr(conj.operand, cx);
    const xc = inSource(x);
    if (xc >= 0) {
      const items = conj.list.map((i) => compileExpr(i, cx));
      if (items.every((i) => !i.sources.has(si) && i.subqueries.length === 0)) {
        // IN-list items have no affinity: the column's applies (datatype3 §4.2).
        out.push({ col: xc, op: '=', colC: x, others: items.map((i) => ({ ...i, affinity: null })) });
      }
    }
  } else if (conj.kind === 'like' && conj.op === 'MATCH' && !conj.not && leaf.tvf !== undefined) {
    // `t MATCH q` on a virtual table's hidden column is handed to its scan like `t = q` (SQLite's SQLITE_INDEX_CONSTRAINT_MATCH).
    const x = compileExpr(conj.operand, cx);
    const xc = inSource(x);
    const q = compileExpr(conj.pattern, cx);
    if (xc >= 0 && !q.sources.has(si) && q.subqueries.length === 0) out.push({ col: xc, op: '=', colC: x, others: [q] });
  } else if (conj.kind === 'between' && !conj.not) {
    const x = compileExpr(conj.operand, cx);
    const xc = inSource(x);
    if (xc >= 0) {
      const lo = compileExpr(conj.low, cx);
      const hi = compileExpr(conj.high, cx);
      if (!lo.sources.has(si) && lo.subqueries.length === 0) out.push({ col: xc, op: '>=', colC: x, others: [lo] });
      if (!hi.sources.has(si) && hi.subqueries.length === 0) out.push({ col: xc, op: '<=', colC: x, others: [hi] });
    }
  }
  return out;
}

/** A term `expr = x` (either way round) where expr is the indexed expression `ie` of `t` and x is bound: a key probe's shape. */
function exprCandidate(t: TableSchema, ie: Expr, conjs: readonly Expr[], leaf: Leaf, bound: ReadonlySet<number>, cx: CompileContext): Candidate | undefined {
  const compile = memoCompile(cx);
  const want = schemaExprKey(t, ie);
  const si = leaf.src.index;
  const usable = (o: Compiled): boolean => !o.sources.has(si) && o.subqueries.length === 0 && isSubset(o.sources, bound);
  for (const conj of conjs) {
    if (conj.kind !== 'binary' || conj.op !== '=') continue;
    for (const [side, other] of [
      [conj.left, conj.right],
      [conj.right, conj.left],
    ] as const) {
      if (queryExprKey(leaf, side, compile) !== want) continue;
      const o = compile(other);
      if (usable(o)) return { col: -1, op: '=', colC: compile(side), others: [o] };
    }
  }
  return undefined;
}

function probe(colC: Compiled, other: Compiled, keyColl: Collation | undefined): KeyProbe | undefined {
  const conv = comparisonConversions(colC.affinity, other.affinity);
  if (conv.left !== null) return undefined;
  const coll = comparisonCollation(colC, other);
  if (keyColl !== undefined && coll !== keyColl) return undefined;
  return { c: other, aff: conv.right, coll: keyColl ?? 'BINARY' };
}

/** The access path the only table of a single-table query gets from `where`: 'scan' when no key, index or range serves. */
export function singleTableAccess(leaf: Leaf, where: readonly Expr[], cx: CompileContext): Access['kind'] {
  return chooseAccess(leaf, where, new Set(), cx, false, []).access.kind;
}

function chooseAccess(leaf: Leaf, conjs: readonly Expr[], bound: ReadonlySet<number>, cx: CompileContext, allowHash: boolean, hashConjs: readonly Expr[]): { access: Access; score: number } {
  const compileExpr = memoCompile(cx);
  const t = leaf.table;
  if (t && leaf.temporal && leaf.plan?.runKey) {
    // FOR SYSTEM_TIME ALL / BETWEEN with the whole primary key bound: read that key's versions only.
    const cands = conjs.flatMap((c) => candidatesFor(c, leaf, cx)).filter((c) => c.others.every((o) => isSubset(o.sources, bound)));
    const keyCols = t.withoutRowid ? t.primaryKey : [t.columns.length];
    const probes: KeyProbe[] = [];
    for (const col of keyCols) {
      const c = cands.find((x) => x.op === '=' && x.others.length === 1 && (x.col === col || (!t.withoutRowid && x.col === t.rowidAlias)));
      const p = c && probe(c.colC, c.others[0]!, t.withoutRowid ? t.columns[col]!.collation : undefined);
      if (!p) break;
      probes.push(p);
    }
    if (probes.length === keyCols.length) return { access: { kind: 'historyKey', probes, desc: `SEARCH ${leaf.label} USING PRIMARY KEY (all versions of one key)` }, score: 4 };
  }
  if (t && !leaf.temporal) {
    const cands = conjs.flatMap((c) => candidatesFor(c, leaf, cx)).filter((c) => c.others.every((o) => isSubset(o.sources, bound)));
    const rowidPos = t.withoutRowid ? -1 : t.columns.length;
    if (!t.withoutRowid) {
      for (const c of cands) {
        if (c.op !== '=' || (c.col !== rowidPos && c.col !== t.rowidAlias)) continue;
        const probes = c.others.map((o) => probe(c.colC, o, undefined));
        if (probes.every((p) => p)) return { access: { kind: 'rowid', probes: probes as KeyProbe[], desc: `SEARCH ${leaf.label} USING INTEGER PRIMARY KEY (rowid=?)` }, score: 4 };
      }
    } else {
      const probes: KeyProbe[] = [];
      for (const pkCol of t.primaryKey) {
        const c = cands.find((x) => x.op === '=' && x.col === pkCol && x.others.length === 1);
        const p = c && probe(c.colC, c.others[0]!, t.columns[pkCol]!.collation);
        if (!p) break;
        probes.push(p);
      }
      if (probes.length > 0) {
        const full = probes.length === t.primaryKey.length;
        return { access: { kind: 'pk', probes, full, desc: `SEARCH ${leaf.label} USING PRIMARY KEY (${t.primaryKey.slice(0, probes.length).map((i) => `${t.columns[i]!.name}=?`).join(' AND ')})` }, score: full ? 4 : 3 };
      }
    }
    let best: { index: IndexSchema; probes: KeyProbe[] } | undefined;
    for (const ix of cx.indexes?.(t.name) ?? []) {
      if (ix.using) continue;
      // A partial index only when the terms imply its WHERE (plan-index-match.ts).
      if (ix.where && !partialIndexUsable(t, ix, conjs, leaf, compileExpr)) continue;
      const positions = indexColumnPositions(t, ix);
      const probes: KeyProbe[] = [];
      for (let k = 0; k < positions.length; k++) {
        const ic = ix.columns[k]!;
        // An indexed expression: a term comparing that very expression (expridx.html §2).
        const c = ic.expr ? exprCandidate(t, ic.expr, conjs, leaf, bound, cx) : cands.find((x) => x.op === '=' && x.col === positions[k] && x.others.length === 1);
        const p = c && probe(c.colC, c.others[0]!, ic.collation);
        if (!p) break;
        probes.push(p);
      }
      if (probes.length > 0 && (!best || probes.length > best.probes.length)) best = { index: ix, probes };
    }
    if (best) {
      const positions = indexColumnPositions(t, best.index);
      const cols = positions
        .slice(0, best.probes.length)
        .map((p, k) => `${best.index.columns[k]!.expr ? '<expr>' : t.columns[p]!.name}=?`)
        .join(' AND ');
      return { access: { kind: 'index', index: best.index, probes: best.probes, desc: `SEARCH ${leaf.label} USING INDEX ${best.index.name} (${cols})` }, score: 3 };
    }
    if (!t.withoutRowid) {
      let lo: { p: KeyProbe; incl: boolean } | undefined;
      let hi: { p: KeyProbe; incl: boolean } | undefined;
      for (const c of cands) {
        if (c.op === '=' || (c.col !== rowidPos && c.col !== t.rowidAlias) || c.others.length !== 1) continue;
        const p = probe(c.colC, c.others[0]!, undefined);
        if (!p) continue;
        if ((c.op === '>' || c.op === '>=') && !lo) lo = { p, incl: c.op === '>=' };
        if ((c.op === '<' || c.op === '<=') && !hi) hi = { p, incl: c.op === '<=' };
      }
      if (lo || hi) {
        const desc = `SEARCH ${leaf.label} USING INTEGER PRIMARY KEY (${[lo ? `rowid>${lo.incl ? '=' : ''}?` : '', hi ? `rowid<${hi.incl ? '=' : ''}?` : ''].filter(Boolean).join(' AND ')})`;
        return { access: { kind: 'rowidRange', ...(lo ? { lo } : {}), ...(hi ? { hi } : {}), desc }, score: 2 };
      }
    }
    // A range on an index's first column (SQLite's WHERE_COLUMN_RANGE on an index): scan the
    // index entries between the bounds, then read each row by its key.
    const ranged = indexRangeAccess(t, leaf, cands, cx);
    if (ranged) return { access: ranged, score: 2 };
  }
  if (allowHash) {
    const si = leaf.src.index;
    const inner: Compiled[] = [];
    const outer: Compiled[] = [];
    const conv: { inner: Affinity | null; outer: Affinity | null; coll: Collation }[] = [];
    for (const e of hashConjs) {
      if (e.kind !== 'binary' || e.op !== '=') continue;
      const l = compileExpr(e.left, cx);
      const r = compileExpr(e.right, cx);
      if (l.subqueries.length || r.subqueries.length) continue;
      const onlyHere = (c: Compiled): boolean => c.sources.size === 1 && c.sources.has(si) && c.minOuterLevel === Infinity;
      const bnd = (c: Compiled): boolean => !c.sources.has(si) && isSubset(c.sources, bound) && c.sources.size > 0;
      let i: Compiled | undefined;
      let o: Compiled | undefined;
      if (onlyHere(l) && bnd(r)) [i, o] = [l, r];
      else if (onlyHere(r) && bnd(l)) [i, o] = [r, l];
      if (!i || !o) continue;
      const cv = comparisonConversions(i.affinity, o.affinity);
      inner.push(i);
      outer.push(o);
      conv.push({ inner: cv.left, outer: cv.right, coll: comparisonCollation(i, o) });
    }
    if (inner.length) return { access: { kind: 'hash', inner, outer, conv }, score: 1 };
  }
  return { access: { kind: 'scan' }, score: 0 };
}

/** The best index whose first (plain) column has a `<`/`<=`/`>`/`>=` term usable as a key bound, as an 'index' access; undefined if none. */
function indexRangeAccess(t: TableSchema, leaf: Leaf, cands: readonly Candidate[], cx: CompileContext): Access | undefined {
  let best: { index: IndexSchema; lo?: { p: KeyProbe; incl: boolean }; hi?: { p: KeyProbe; incl: boolean } } | undefined;
  for (const ix of cx.indexes?.(t.name) ?? []) {
    if (ix.using || ix.where) continue;
    const ic = ix.columns[0];
    if (!ic || ic.expr) continue;
    const col = indexColumnPositions(t, ix)[0]!;
    let lo: { p: KeyProbe; incl: boolean } | undefined;
    let hi: { p: KeyProbe; incl: boolean } | undefined;
    for (const c of cands) {
      if (c.op === '=' || c.col !== col || c.others.length !== 1) continue;
      const p = probe(c.colC, c.others[0]!, ic.collation);
      if (!p) continue;
      if ((c.op === '>' || c.op === '>=') && !lo) lo = { p, incl: c.op === '>=' };
      if ((c.op === '<' || c.op === '<=') && !hi) hi = { p, incl: c.op === '<=' };
    }
    if (!lo && !hi) continue;
    // Both bounds beat one.
    if (!best || (lo && hi && !(best.lo && best.hi))) best = { index: ix, ...(lo ? { lo } : {}), ...(hi ? { hi } : {}) };
  }
  if (!best) return undefined;
  const name = t.columns[indexColumnPositions(t, best.index)[0]!]!.name;
  const terms = [best.lo ? `${name}>${best.lo.incl ? '=' : ''}?` : '', best.hi ? `${name}<${best.hi.incl ? '=' : ''}?` : ''].filter(Boolean).join(' AND ');
  return { kind: 'index', index: best.index, probes: [], ...(best.lo ? { lo: best.lo } : {}), ...(best.hi ? { hi: best.hi } : {}), desc: `SEARCH ${leaf.label} USING INDEX ${best.index.name} (${terms})` };
}

const NONE: ReadonlySet<number> = new Set();

/** Comparisons in `conjs` (by index) on a table-valued function's columns whose other side is bound before its level. */
function tvfConstraints(leaf: Leaf, conjs: readonly Expr[], before: ReadonlySet<number>, cx: CompileContext): TableFunctionConstraint[] {
  const out: TableFunctionConstraint[] = [];
  conjs.forEach((conj, k) => {
    if (conj.kind !== 'binary' && conj.kind !== 'between' && conj.kind !== 'like') return;
    for (const c of candidatesFor(conj, leaf, cx)) {
      if (c.others.length === 1 && isSubset(c.others[0]!.sources, before) && c.others[0]!.subqueries.length === 0) out.push({ col: c.col, op: c.op, value: c.others[0]!, conjunct: k });
    }
  });
  return out;
}

interface Flat {
  leaves: Leaf[];
  /** LEFT JOIN ON conditions by leaf index. */
  leftOn: Map<number, Expr[]>;
  inner: Expr[];
}

/** Flattens a left-deep tree of INNER/CROSS/LEFT joins with leaf right sides; undefined otherwise. */
function flatten(node: FromNode): Flat | undefined {
  if (node.kind === 'leaf') return { leaves: [node.leaf], leftOn: new Map(), inner: [] };
  if (node.right.kind !== 'leaf' || node.joinType === 'RIGHT' || node.joinType === 'FULL') return undefined;
  const f = flatten(node.left);
  if (!f) return undefined;
  f.leaves.push(node.right.leaf);
  // ON conjuncts one by one, as WHERE's are: `ON r.id = l.x AND r.s LIKE 'h%'` keys a rowid
  // lookup on r.id = l.x; kept whole, the AND matches no access-path shape and r is scanned.
  const on = node.on.flatMap((e) => splitAnd(e));
  if (node.joinType === 'LEFT') f.leftOn.set(f.leaves.length - 1, on);
  else f.inner.push(...on);
  return f;
}

/** The join tree with every ON compiled, node before children (the order correlation is tracked in). */
function compileTree(node: FromNode, cx: CompileContext): JoinTree {
  if (node.kind === 'leaf') return node;
  const on = node.on.map((e) => compileExpr(e, cx));
  return { kind: 'join', joinType: node.joinType, left: compileTree(node.left, cx), right: compileTree(node.right, cx), on };
}

export interface JoinPlan {
  readonly op: Operator;
  readonly width: number;
}

/** Plans FROM + WHERE into an operator producing `width`-wide joined rows that satisfy WHERE. */
export function planJoin(from: FromPlan, where: readonly Expr[], width: number, cx: CompileContext): JoinPlan {
  const tvfArgs = new Map<Leaf, Compiled[]>();
  for (const l of from.leaves) {
    if (l.reader) l.reader.width = width;
    if (isTableFunctionLeaf(l)) {
      l.tvf.width = width;
      tvfArgs.set(l, compileTableFunctionArgs(l, cx));
    }
  }
  const flat = flatten(from.root);
  if (!flat) {
    for (const [l, args] of tvfArgs) {
      if (l.tvf!.deps.size) throw new DoSQLError('NOT_SUPPORTED', `sql: ${l.label}() reading another FROM source inside a RIGHT or FULL JOIN is not supported`);
      bindTableFunction(l as TableFunctionLeaf, args, () => true, []);
    }
    const compiledWhere = where.map((w) => compileExpr(w, cx));
    return { op: new TreeJoinOp(compileTree(from.root, cx), compiledWhere, width), width };
  }
  const n = flat.leaves.length;
  const pool: Expr[] = [...where, ...flat.inner];
  const comp = memoCompile(cx);
  const compiled = pool.map((ast) => ({ ast, c: comp(ast) }));
  const leftOn = new Map<number, Conjunct[]>();
  for (const [i, es] of flat.leftOn) leftOn.set(i, es.map((ast) => ({ ast, c: comp(ast) })));
  const hasLeft = flat.leftOn.size > 0;

  // Join order.
  const order: number[] = [];
  const bound = new Set<number>();
  const remaining = flat.leaves.map((_, i) => i);
  while (remaining.length) {
    let pick = 0;
    if (!hasLeft) {
      let bestScore = -1;
      // A table-valued function waits for the sources its arguments read (unless nothing else can go).
      const ready = remaining.filter((li) => isSubset(flat.leaves[li]!.tvf?.deps ?? NONE, bound));
      for (let k = 0; k < remaining.length; k++) {
        const leaf = flat.leaves[remaining[k]!]!;
        if (ready.length && !ready.includes(remaining[k]!)) continue;
        if (leaf.tvf) {
          if (bestScore < 5) {
            bestScore = 5;
            pick = k;
          }
          continue;
        }
        const { score } = chooseAccess(leaf, pool, bound, cx, order.length > 0, pool);
        if (score > bestScore) {
          bestScore = score;
          pick = k;
        }
      }
    }
    const li = remaining.splice(pick, 1)[0]!;
    order.push(li);
    bound.add(flat.leaves[li]!.src.index);
  }

  // Conjunct placement and access paths.
  const levels: Level[] = [];
  const boundNow = new Set<number>();
  const placed = new Set<number>();
  const prefilter: Compiled[] = [];
  compiled.forEach((cj, k) => {
    if (cj.c.sources.size === 0) {
      prefilter.push(cj.c);
      placed.add(k);
    }
  });
  for (let pos = 0; pos < n; pos++) {
    const li = order[pos]!;
    const leaf = flat.leaves[li]!;
    const si = leaf.src.index;
    const isLeft = flat.leftOn.has(li);
    const onConjs = leftOn.get(li) ?? [];
    const before = new Set(boundNow);
    boundNow.add(si);
    const preds: Compiled[] = [];
    const here: Expr[] = [];
    compiled.forEach((cj, k) => {
      if (placed.has(k) || !isSubset(cj.c.sources, boundNow)) return;
      placed.add(k);
      preds.push(cj.c);
      here.push(cj.ast);
    });
    // Access paths may use ON conditions (LEFT) or WHERE/inner conjuncts (inner levels).
    const accessConjs = isLeft ? onConjs.map((c) => c.ast) : here;
    if (isTableFunctionLeaf(leaf)) {
      // The function takes its arguments and bounds from the level's conjuncts (ON for a LEFT level).
      const consumed = bindTableFunction(leaf, tvfArgs.get(leaf)!, (c) => isSubset(c.sources, boundNow), tvfConstraints(leaf, accessConjs, before, cx));
      const keep = <T>(xs: readonly T[]): T[] => xs.filter((_, k) => !consumed.has(k));
      const cached = [...leaf.tvf.args, ...leaf.tvf.bounds.map((b) => b.value)].every((c) => !c || c.sources.size === 0);
      const access: Access = { kind: 'tvf', cached, desc: `SCAN ${leaf.label} VIRTUAL TABLE` };
      levels.push({ leaf, access, preds: isLeft ? preds : keep(preds), onPreds: isLeft ? keep(onConjs).map((c) => c.c) : [], left: isLeft, scanPreds: [] });
      continue;
    }
    const { access } = pos === 0 ? chooseAccess(leaf, accessConjs, before, cx, false, []) : chooseAccess(leaf, accessConjs, before, cx, true, accessConjs);
    const scanSrc = isLeft ? onConjs : here.map((ast, k) => ({ ast, c: preds[k]! }));
    const materialized = pos > 0 && (access.kind === 'scan' || access.kind === 'hash');
    const scanPreds = materialized ? scanSrc.filter((c) => c.c.sources.size === 1 && c.c.sources.has(si) && c.c.subqueries.length === 0).map((c) => c.c) : [];
    const levelPreds = isLeft ? preds : preds.filter((p) => !scanPreds.includes(p));
    levels.push({ leaf, access, preds: levelPreds, onPreds: onConjs.map((c) => c.c), left: isLeft, scanPreds });
  }
  return { op: new JoinOp(levels, width, prefilter), width };
}
