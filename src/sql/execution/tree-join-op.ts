// TreeJoinOp: joins the nested loop of join-op.ts cannot run (RIGHT and FULL joins, a
// parenthesised join on the right side), evaluated bottom-up over the join tree with both
// sides materialised and charged to the statement's memory budget.
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { evaluate, predicatesPass } from './evaluate.js';
import { leafRows, type JoinLeaf } from './join-leaf.js';
import type { Operator } from './operators.js';
import { rowBytes } from './statement-guard.js';
import * as ops from './value-ops.js';

/** The FROM clause as a tree, with each join's ON (plus USING / NATURAL equalities) compiled. */
export type JoinTree =
  | { readonly kind: 'leaf'; readonly leaf: JoinLeaf }
  | {
      readonly kind: 'join';
      readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
      readonly left: JoinTree;
      readonly right: JoinTree;
      readonly on: readonly Compiled[];
    };

/** General joins (RIGHT, FULL, parenthesised right sides): materialises both sides. */
export class TreeJoinOp implements Operator {
  constructor(
    readonly root: JoinTree,
    readonly where: readonly Compiled[],
    readonly width: number,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const held = { bytes: 0 };
    try {
      const rows = await this.evalNode(this.root, env, held);
      const out: Row[] = [];
      for (const r of rows) {
        let ok = predicatesPass(this.where, r, env);
        if (ok instanceof Promise) ok = await ok;
        if (ok) out.push(r);
      }
      for (let i = 0; i < out.length; i += BATCH_ROWS) yield out.slice(i, i + BATCH_ROWS);
    } finally {
      env.guard.release(held.bytes);
    }
  }

  /** Every row of `node`, charged to the statement's memory budget (`held` keeps the total to release). */
  private async evalNode(node: JoinTree, env: ExecEnv, held: { bytes: number }): Promise<Row[]> {
    const guard = env.guard;
    const keep = (r: Row): void => {
      const b = rowBytes(r);
      guard.charge(b, 'a join');
      held.bytes += b;
    };
    if (node.kind === 'leaf') {
      const rows = await leafRows(node.leaf, env, this.width);
      for (const r of rows) keep(r);
      return rows;
    }
    const L = await this.evalNode(node.left, env, held);
    const R = await this.evalNode(node.right, env, held);
    const on = node.on;
    const rightRange = ranges(node.right);
    const leftRange = ranges(node.left);
    const out: Row[] = [];
    const rightMatched = new Uint8Array(R.length);
    for (const l of L) {
      let matched = false;
      for (let k = 0; k < R.length; k++) {
        const r = R[k]!;
        const m = l.slice();
        for (const [a, b] of rightRange) for (let j = a; j < b; j++) m[j] = r[j]!;
        const t = guard.tick();
        if (t) await t;
        let ok = true;
        for (const c of on) if (ops.toBool(await evaluate(c, m, env)) !== true) ok = false;
        if (!ok) continue;
        matched = true;
        rightMatched[k] = 1;
        keep(m);
        out.push(m);
      }
      if (!matched && (node.joinType === 'LEFT' || node.joinType === 'FULL')) {
        const m = l.slice();
        keep(m);
        out.push(m);
      }
    }
    if (node.joinType === 'RIGHT' || node.joinType === 'FULL') {
      for (let k = 0; k < R.length; k++) {
        if (rightMatched[k]) continue;
        const m = R[k]!.slice();
        for (const [a, b] of leftRange) for (let j = a; j < b; j++) m[j] = null;
        keep(m);
        out.push(m);
      }
    }
    return out;
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}NESTED LOOP JOIN (materialised)`);
  }
}

function ranges(node: JoinTree): [number, number][] {
  if (node.kind === 'leaf') return [[node.leaf.src.offset, node.leaf.src.offset + node.leaf.src.columns.length]];
  return [...ranges(node.left), ...ranges(node.right)];
}
