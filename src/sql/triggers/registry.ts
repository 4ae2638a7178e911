// Programmatic triggers (dosql/triggers, the API of seed 000's "Programmatic Triggers"): a
// registry of TypeScript handlers `{ name, table, timing, events, priority, handler(ctx) }`
// and an executor that attaches them to a database. Handlers of one table, timing and event
// run in priority order (lower first; equal priorities in registration order). A BEFORE
// handler runs inside the statement for each row, after the SQL BEFORE triggers: it may
// return a replacement row (the columns it names are written, with their affinity) or throw
// to reject the row, which fails the statement with CONSTRAINT_TRIGGER and undoes it. An
// AFTER handler runs once the change has committed (never for an undone one), outside the
// statement, so it may run statements through ctx.db; a BEFORE handler may not (its
// statement holds the connection): ctx.db refuses with NOT_SUPPORTED there.
import { DoSQLError } from '../../errors.js';
import type { Database } from '../api/database.js';
import type { AfterEvent, RowEvent, RowObject, RowTriggerHooks } from '../execution/row-triggers.js';

export type TriggerTiming = 'before' | 'after';
export type TriggerEvent = RowEvent;
/** A row as handlers see it: INTEGER values as numbers when safe (else bigint), TEXT, REAL, BLOB (Uint8Array), null. */
export type TriggerRow = Record<string, unknown>;

/** What a handler is given. */
export interface TriggerContext<R extends TriggerRow = TriggerRow> {
  readonly event: TriggerEvent;
  readonly timing: TriggerTiming;
  readonly table: string;
  /** The row before the change (update, delete). */
  readonly old?: R;
  /** The row to be written (before) or written (after) (insert, update). */
  readonly new?: R;
  /** The database: statements from an AFTER handler; a BEFORE handler's refuses them (NOT_SUPPORTED). */
  readonly db: TriggerDb;
  readonly meta: { readonly trigger: string; readonly priority: number; readonly branchId: number };
}

/** The statement methods of a Database a handler may use. */
export type TriggerDb = Pick<Database, 'run' | 'exec' | 'query' | 'queryOne'>;

export interface TriggerDefinition<R extends TriggerRow = TriggerRow> {
  readonly name: string;
  readonly table: string;
  readonly timing: TriggerTiming;
  readonly events: readonly TriggerEvent[];
  /** Lower runs first; default 100. */
  readonly priority?: number;
  /** False: registered but not run. Default true. */
  readonly enabled?: boolean;
  /** BEFORE: return a replacement row (or nothing to keep it), throw to reject. AFTER: the result is ignored. */
  handler(ctx: TriggerContext<R>): R | void | undefined | Promise<R | void | undefined>;
}

export interface TriggerRegistry {
  /** Adds a trigger; INVALID_ARGUMENT for a duplicate name or a malformed definition. */
  register<R extends TriggerRow>(def: TriggerDefinition<R>): void;
  /** Removes a trigger by name; false when there was none. */
  unregister(name: string): boolean;
  get(name: string): TriggerDefinition | undefined;
  /** Enabled triggers for `table` (any case), `timing` and `event`, in the order they run. */
  list(table: string, timing: TriggerTiming, event: TriggerEvent): TriggerDefinition[];
  /** Every registered trigger, in registration order. */
  all(): TriggerDefinition[];
}

/** The outcome of executeBefore: the row to write, or the rejection. */
export type BeforeResult<R extends TriggerRow = TriggerRow> = { readonly rejected: false; readonly row?: R } | { readonly rejected: true; readonly error: DoSQLError; readonly trigger: string };

export interface TriggerExecutor {
  /** Runs the BEFORE handlers as a statement would (for tests and manual use); a rejection is returned, not thrown. */
  executeBefore<R extends TriggerRow>(table: string, event: TriggerEvent, old?: R, row?: R): Promise<BeforeResult<R>>;
  /** Runs the AFTER handlers for one change. */
  executeAfter<R extends TriggerRow>(table: string, event: TriggerEvent, old?: R, row?: R): Promise<void>;
  /** Stops firing the registry's triggers on the database's statements. */
  detach(): void;
}

const TIMINGS = new Set(['before', 'after']);
const EVENTS = new Set(['insert', 'update', 'delete']);

export function createTriggerRegistry(): TriggerRegistry {
  const byName = new Map<string, TriggerDefinition>();
  let seq = 0;
  const order = new Map<string, number>();
  const bad = (def: TriggerDefinition, what: string): DoSQLError => new DoSQLError('INVALID_ARGUMENT', `triggers: trigger ${JSON.stringify(def?.name)} ${what}`);
  return {
    register(def) {
      const d = def as unknown as TriggerDefinition;
      if (!d || typeof d.name !== 'string' || d.name === '') throw bad(d, 'needs a name');
      if (typeof d.table !== 'string' || d.table === '') throw bad(d, 'needs a table');
      if (!TIMINGS.has(d.timing)) throw bad(d, `has timing ${JSON.stringify(d.timing)}; use 'before' or 'after'`);
      if (!Array.isArray(d.events) || d.events.length === 0 || d.events.some((e) => !EVENTS.has(e))) throw bad(d, "needs events from 'insert', 'update', 'delete'");
      if (d.priority !== undefined && !Number.isFinite(d.priority)) throw bad(d, 'has a priority that is not a number');
      if (typeof d.handler !== 'function') throw bad(d, 'needs a handler function');
      const key = d.name.toLowerCase();
      if (byName.has(key)) throw bad(d, 'is already registered');
      byName.set(key, d);
      order.set(key, seq++);
    },
    unregister(name) {
      order.delete(name.toLowerCase());
      return byName.delete(name.toLowerCase());
    },
    get(name) {
      return byName.get(name.toLowerCase());
    },
    list(table, timing, event) {
      const t = table.toLowerCase();
      const out = [...byName.values()].filter((d) => d.enabled !== false && d.table.toLowerCase() === t && d.timing === timing && d.events.includes(event));
      return out.sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100) || order.get(a.name.toLowerCase())! - order.get(b.name.toLowerCase())!);
    },
    all() {
      return [...byName.values()].sort((a, b) => order.get(a.name.toLowerCase())! - order.get(b.name.toLowerCase())!);
    },
  };
}

function toJs(o: RowObject | undefined): TriggerRow | undefined {
  if (!o) return undefined;
  const out: TriggerRow = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return out;
}

function rejection(def: TriggerDefinition, table: string, e: unknown): DoSQLError {
  if (e instanceof DoSQLError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DoSQLError('CONSTRAINT_TRIGGER', `triggers: ${def.name} rejected the row of ${table}: ${msg}`, { cause: e, details: { trigger: def.name, table, conflictAction: 'ABORT' } });
}

const NO_STATEMENTS: TriggerDb = {
  run: refuse,
  exec: refuse,
  query: refuse,
  queryOne: refuse,
};

function refuse(): never {
  throw new DoSQLError('NOT_SUPPORTED', 'triggers: a BEFORE handler runs inside its statement and cannot run statements; do that in an AFTER handler');
}

async function runBefore(registry: TriggerRegistry, db: TriggerDb, table: string, event: TriggerEvent, old: TriggerRow | undefined, row: TriggerRow | undefined, branchId: number): Promise<TriggerRow | undefined> {
  let cur = row;
  for (const def of registry.list(table, 'before', event)) {
    let r: unknown;
    try {
      r = await def.handler({ event, timing: 'before', table, ...(old ? { old } : {}), ...(cur ? { new: cur } : {}), db, meta: { trigger: def.name, priority: def.priority ?? 100, branchId } });
    } catch (e) {
      throw rejection(def, table, e);
    }
    if (r !== undefined && r !== null && event !== 'delete') {
      if (typeof r !== 'object' || Array.isArray(r)) throw new DoSQLError('INVALID_ARGUMENT', `triggers: ${def.name} returned ${Array.isArray(r) ? 'an array' : typeof r}; a BEFORE handler returns a row object or nothing`);
      cur = r as TriggerRow;
    }
  }
  return cur;
}

async function runAfter(registry: TriggerRegistry, db: TriggerDb, table: string, event: TriggerEvent, old: TriggerRow | undefined, row: TriggerRow | undefined, branchId: number): Promise<void> {
  for (const def of registry.list(table, 'after', event)) {
    await def.handler({ event, timing: 'after', table, ...(old ? { old } : {}), ...(row ? { new: row } : {}), db, meta: { trigger: def.name, priority: def.priority ?? 100, branchId } });
  }
}

/** Attaches `registry` to `db`: its triggers fire on every INSERT, UPDATE and DELETE the database runs (one registry per database). */
export function createTriggerExecutor(db: Database, registry: TriggerRegistry): TriggerExecutor {
  const hooks: RowTriggerHooks = {
    fires: (table, timing, event) => registry.list(table, timing, event).length > 0,
    async before(table, event, old, row, branch) {
      const out = await runBefore(registry, NO_STATEMENTS, table, event, toJs(old), toJs(row), branch);
      return out as RowObject | undefined;
    },
    async after(events: readonly AfterEvent[]) {
      for (const e of events) await runAfter(registry, db, e.table, e.event, toJs(e.old), toJs(e.new), e.branch);
    },
  };
  db.attachRowTriggers(hooks);
  return {
    async executeBefore<R extends TriggerRow>(table: string, event: TriggerEvent, old?: R, row?: R): Promise<BeforeResult<R>> {
      try {
        const out = await runBefore(registry, db, table, event, old, row, 0);
        return out ? { rejected: false, row: out as R } : { rejected: false };
      } catch (e) {
        const error = e instanceof DoSQLError ? e : rejection({ name: '?', table, timing: 'before', events: [event], handler: () => undefined }, table, e);
        return { rejected: true, error, trigger: typeof error.details.trigger === 'string' ? error.details.trigger : '?' };
      }
    },
    executeAfter: (table, event, old, row) => runAfter(registry, db, table, event, old, row, 0),
    detach() {
      db.attachRowTriggers(undefined);
    },
  };
}
