// Row triggers (https://sqlite.org/lang_createtrigger.html) at execution: for each row a
// statement inserts, updates or deletes, the matching BEFORE / AFTER (INSTEAD OF on views)
// triggers run, newest first as SQLite fires them, when their WHEN clause holds. A trigger's
// statements run in a child environment whose outer row (level 0) is the trigger row: NEW's
// columns and rowid, then OLD's. They share the statement's transaction, foreign-key counts
// and trigger stack, so everything they do is undone with the statement.
//
// Recursion is SQLite's with recursive_triggers OFF: a trigger already running is not fired
// again; nesting past SQLITE_MAX_TRIGGER_DEPTH (1000) fails. RAISE(IGNORE) unwinds to the
// statement whose row fired the trigger, which skips that row (RaiseIgnore).
import { DoSQLError } from '../../errors.js';
import type { ConflictAction } from '../parser/ast.js';
import type { Compiled } from './compiled.js';
import { ExecEnv, type Row } from './env.js';
import { evaluate } from './evaluate.js';
import type { ForeignKeyEnforcer } from './foreign-keys.js';
import * as ops from './value-ops.js';

/** SQLite's SQLITE_MAX_TRIGGER_DEPTH: nested triggers (and foreign-key actions) past it fail. */
export const MAX_TRIGGER_DEPTH = 1000;

export type TriggerTiming = 'BEFORE' | 'AFTER' | 'INSTEAD OF';
export type TriggerEvent = 'INSERT' | 'UPDATE' | 'DELETE';

/** One trigger compiled for the table (or view) it is on. */
export interface TriggerProgram {
  readonly name: string;
  readonly timing: TriggerTiming;
  readonly event: TriggerEvent;
  /** UPDATE OF: positions of the columns whose assignment fires it; undefined: any UPDATE. */
  readonly columns?: readonly number[];
  /** WHEN, over the trigger row. */
  readonly when?: Compiled;
  /** The body's statements, in order, each run in the trigger's environment. */
  readonly steps: readonly ((env: ExecEnv) => Promise<void>)[];
}

/** RAISE(IGNORE): the row that fired the trigger is abandoned, nothing is undone. */
export class RaiseIgnore extends Error {
  constructor() {
    super('sql: RAISE(IGNORE) outside a statement that fires triggers');
  }
}

/** RAISE(ABORT | FAIL | ROLLBACK, message): SQLite's SQLITE_CONSTRAINT_TRIGGER with the message as given. */
export function raiseError(action: ConflictAction, message: string): DoSQLError {
  return new DoSQLError('CONSTRAINT_TRIGGER', `sql: ${message}`, { details: { conflictAction: action } });
}

/** What the row operations of one top-level statement share with the statements its triggers run. */
export class RowHooks {
  private depth = 0;
  /** Triggers firing now (made on first use: most statements fire none). */
  private activeSet: Set<string> | undefined;
  private get active(): Set<string> {
    return (this.activeSet ??= new Set());
  }

  constructor(readonly fk: ForeignKeyEnforcer) {}

  /**
   * Fires `programs` of `timing` for one row of a table `width` columns wide (rowid after
   * them); `next` / `old` are the row images (undefined when the event has none), `assigned`
   * the columns an UPDATE sets, `override` the firing statement's conflict resolution (which
   * replaces the triggered statements' own; undefined for a DELETE, whose triggers keep
   * theirs). Throws RaiseIgnore when a trigger raised IGNORE.
   */
  async fire(env: ExecEnv, programs: readonly TriggerProgram[], timing: TriggerTiming, width: number, next: Row | undefined, old: Row | undefined, assigned?: ReadonlySet<number>, override?: ConflictAction): Promise<void> {
    for (const p of programs) {
      if (p.timing !== timing) continue;
      if (p.columns && assigned && !p.columns.some((c) => assigned.has(c))) continue;
      if (this.active.has(p.name)) continue;
      const row: Row = new Array(2 * width).fill(null);
      if (next) for (let i = 0; i < width; i++) row[i] = next[i] ?? null;
      if (old) for (let i = 0; i < width; i++) row[width + i] = old[i] ?? null;
      const child = this.childEnv(env, row, override);
      if (p.when && ops.toBool(await evaluate(p.when, row, child)) !== true) continue;
      if (++this.depth > MAX_TRIGGER_DEPTH) throw new DoSQLError('SQL_ERROR', 'sql: too many levels of trigger recursion');
      this.active.add(p.name);
      try {
        for (const step of p.steps) await step(this.childEnv(env, row, override));
      } finally {
        this.active.delete(p.name);
        this.depth--;
      }
    }
  }

  private childEnv(env: ExecEnv, row: Row, override: ConflictAction | undefined): ExecEnv {
    const c = new ExecEnv(env.txn, [], env.session, env.nowMs(), env.random, env.guard);
    c.inTransaction = env.inTransaction;
    c.outer[0] = row;
    c.hooks = this;
    // The trigger's statements fire programmatic handlers as the statement's own rows do
    // (DML on a view reaches its base tables through INSTEAD OF triggers).
    if (env.rowTriggers) c.rowTriggers = env.rowTriggers;
    // No fallback to env.conflictOverride: INSERT and UPDATE pass theirs on (their own OR clause
    // already gave way to it), a DELETE passes none, as SQLite codes DELETE with OE_Default.
    if (override) c.conflictOverride = override;
    return c;
  }
}
