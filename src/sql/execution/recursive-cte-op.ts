// WITH RECURSIVE (lang_with.html §3): run the initial select, then repeatedly run the
// recursive select over the rows produced by the previous round (the working table)
// until a round produces nothing. UNION drops rows already produced. Rows stream out as
// they are made, so a LIMIT above stops an otherwise endless recursion.
import type { ExecEnv, Row } from './env.js';
import { rowKey, type Operator } from './operators.js';
import { keyBytes, rowBytes } from './statement-guard.js';

export class RecursiveCteOp implements Operator {
  constructor(
    readonly initial: Operator,
    readonly recursive: Operator,
    readonly working: { rows: Row[] },
    readonly distinct: boolean,
    readonly width: number,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const guard = env.guard;
    const seen = this.distinct ? new Set<unknown>() : undefined;
    // Charged bytes: the UNION's seen keys, the working table of this round, the next round's.
    let seenBytes = 0;
    let workingBytes = 0;
    let queueBytes = 0;
    const fresh = (b: Row[]): Row[] => {
      if (!seen) return b;
      const out: Row[] = [];
      for (const r of b) {
        const k = rowKey(r, this.width);
        if (seen.has(k)) continue;
        const n = keyBytes(k);
        guard.charge(n, 'a recursive common table expression');
        seenBytes += n;
        seen.add(k);
        out.push(r);
      }
      return out;
    };
    let queue: Row[] = [];
    const enqueue = (f: Row[]): void => {
      for (const r of f) {
        const n = rowBytes(r);
        guard.charge(n, 'a recursive common table expression');
        queueBytes += n;
        queue.push(r);
      }
    };
    try {
      for await (const b of this.initial.run(env)) {
        const t = guard.tick(b.length);
        if (t) await t;
        const f = fresh(b);
        if (f.length) {
          enqueue(f);
          yield f;
        }
      }
      while (queue.length) {
        const saved = this.working.rows;
        this.working.rows = queue;
        workingBytes = queueBytes;
        queue = [];
        queueBytes = 0;
        try {
          for await (const b of this.recursive.run(env)) {
            const t = guard.tick(b.length);
            if (t) await t;
            const f = fresh(b);
            if (f.length) {
              enqueue(f);
              yield f;
            }
          }
        } finally {
          if (saved.length === 0) this.working.rows = [];
          guard.release(workingBytes);
          workingBytes = 0;
        }
      }
    } finally {
      guard.release(seenBytes + queueBytes);
    }
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}RECURSIVE STEP`);
    this.initial.describe(out, depth + 1);
    this.recursive.describe(out, depth + 1);
  }
}
