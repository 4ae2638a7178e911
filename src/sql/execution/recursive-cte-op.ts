// WITH RECURSIVE (lang_with.html §3): run the initial select, then repeatedly run the
// recursive select over the rows produced by the previous round (the working table)
// until a round produces nothing. UNION drops rows already produced. Rows stream out as
// they are made, so a LIMIT above stops an otherwise endless recursion.
import type { ExecEnv, Row } from './env.js';
import { rowKey, type Operator } from './operators.js';

export class RecursiveCteOp implements Operator {
  constructor(
    readonly initial: Operator,
    readonly recursive: Operator,
    readonly working: { rows: Row[] },
    readonly distinct: boolean,
    readonly width: number,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const seen = this.distinct ? new Set<unknown>() : undefined;
    const fresh = (b: Row[]): Row[] => {
      if (!seen) return b;
      const out: Row[] = [];
      for (const r of b) {
        const k = rowKey(r, this.width);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
      return out;
    };
    let queue: Row[] = [];
    for await (const b of this.initial.run(env)) {
      const t = env.guard.tick(b.length);
      if (t) await t;
      const f = fresh(b);
      if (f.length) {
        queue.push(...f);
        yield f;
      }
    }
    while (queue.length) {
      const saved = this.working.rows;
      this.working.rows = queue;
      queue = [];
      try {
        for await (const b of this.recursive.run(env)) {
          const t = env.guard.tick(b.length);
          if (t) await t;
          const f = fresh(b);
          if (f.length) {
            queue.push(...f);
            yield f;
          }
        }
      } finally {
        if (saved.length === 0) this.working.rows = [];
      }
    }
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}RECURSIVE STEP`);
    this.initial.describe(out, depth + 1);
    this.recursive.describe(out, depth + 1);
  }
}
