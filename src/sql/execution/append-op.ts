// Appends computed values to each input row (the row itself is kept whole): the sort keys of
// UPDATE/DELETE ... ORDER BY, which must keep every column of the row they order.
import type { Compiled } from './compiled.js';
import type { ExecEnv, Row } from './env.js';
import { evaluate } from './evaluate.js';
import type { Operator } from './operators.js';

export class AppendOp implements Operator {
  constructor(
    readonly input: Operator,
    readonly exprs: readonly Compiled[],
  ) {}
  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    for await (const b of this.input.run(env)) {
      for (const r of b) {
        const vals = [];
        for (const e of this.exprs) vals.push(await evaluate(e, r, env));
        r.push(...vals);
      }
      yield b;
    }
  }
  describe(out: string[], depth: number): void {
    this.input.describe(out, depth);
  }
}
