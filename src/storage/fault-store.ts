import { Prng } from '../util/prng.js';
import {
  payloadBytes,
  type AppendableObject,
  type GetOptions,
  type GetResult,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from './object-store.js';

/** The store calls a fault rule can match. */
export type FaultOp = 'get' | 'head' | 'put' | 'list' | 'delete' | 'open' | 'append' | 'sync';

/**
 * - `fail`: the call throws before touching the inner store.
 * - `tear`: append writes a prefix of the payload, then throws (a torn write). A put is
 *   atomic in every real store, so a torn put either lands whole or not at all (chosen by
 *   the seeded PRNG) and then throws: a lost acknowledgement. Other ops behave like `fail`.
 * - `delay`: the call waits `delayMs` first, then proceeds.
 * - `crash`: like `tear`, and every later call fails too: the process "died".
 */
export type FaultKind = 'fail' | 'tear' | 'delay' | 'crash';

export interface FaultRule {
  op: FaultOp | '*';
  kind: FaultKind;
  /** Only keys starting with this prefix. */
  keyPrefix?: string;
  /** Fire on each matching call with this probability (seeded). */
  probability?: number;
  /** Fire on exactly the n-th matching call (1-based). */
  nth?: number;
  /** For `delay`. Default 5 ms. */
  delayMs?: number;
}

/** Thrown by injected faults: deliberately not a DoSQLError, like a real store's failure. */
export class InjectedFault extends Error {
  constructor(
    readonly op: FaultOp,
    readonly key: string,
    readonly kind: FaultKind,
  ) {
    super(`injected ${kind} fault on ${op} ${key}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Wraps an `ObjectStore` and fails, delays or tears calls by a seeded schedule, so that
 * failure and crash tests replay exactly (LevelDB's fault_injection_test, SlateDB's
 * failing object store). `injected` counts the faults fired per op.
 */
export class FaultInjectingStore implements ObjectStore {
  readonly name: string;
  readonly injected: Record<FaultOp, number> = { get: 0, head: 0, put: 0, list: 0, delete: 0, open: 0, append: 0, sync: 0 };
  private rules: FaultRule[];
  private readonly counts = new Map<FaultRule, number>();
  private readonly prng: Prng;
  private dead = false;

  constructor(
    readonly inner: ObjectStore,
    options: { seed?: number; rules?: FaultRule[] } = {},
  ) {
    this.name = `faulty(${inner.name})`;
    this.prng = new Prng(options.seed ?? 1);
    this.rules = options.rules ?? [];
  }

  /** Replaces the schedule (counts restart). */
  setRules(rules: FaultRule[]): void {
    this.rules = rules;
    this.counts.clear();
  }

  /** Every later call fails, as if the process had died. */
  crash(): void {
    this.dead = true;
  }

  get crashed(): boolean {
    return this.dead;
  }

  async get(key: string, options?: GetOptions): Promise<GetResult | null> {
    await this.before('get', key);
    return this.inner.get(key, options);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    await this.before('head', key);
    return this.inner.head(key);
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], options?: PutOptions): Promise<PutResult> {
    const fault = await this.before('put', key, true);
    if (fault) {
      if (this.prng.chance(0.5)) await this.inner.put(key, data, options);
      throw new InjectedFault('put', key, fault);
    }
    return this.inner.put(key, data, options);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    await this.before('list', prefix);
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    await this.before('delete', key);
    return this.inner.delete(key);
  }

  async openAppendable(key: string): Promise<AppendableObject> {
    await this.before('open', key);
    const inner = await this.inner.openAppendable(key);
    const outer = this;
    return {
      key,
      get size() {
        return inner.size;
      },
      async append(data) {
        const fault = await outer.before('append', key, true);
        if (fault) {
          const bytes = payloadBytes(data);
          await inner.append(bytes.subarray(0, outer.prng.int(bytes.length)));
          throw new InjectedFault('append', key, fault);
        }
        return inner.append(data);
      },
      async sync() {
        await outer.before('sync', key);
        return inner.sync();
      },
      close: () => inner.close(),
    };
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  /**
   * Applies the schedule to one call. Returns the fault kind when the caller must tear
   * (only if `canTear`); throws for plain failures; resolves after a delay.
   */
  private async before(op: FaultOp, key: string, canTear = false): Promise<'tear' | 'crash' | null> {
    if (this.dead) throw new InjectedFault(op, key, 'crash');
    for (const rule of this.rules) {
      if (rule.op !== '*' && rule.op !== op) continue;
      if (rule.keyPrefix !== undefined && !key.startsWith(rule.keyPrefix)) continue;
      const n = (this.counts.get(rule) ?? 0) + 1;
      this.counts.set(rule, n);
      const fire = rule.nth !== undefined ? n === rule.nth : this.prng.chance(rule.probability ?? 0);
      if (!fire) continue;
      this.injected[op]++;
      if (rule.kind === 'delay') {
        await new Promise((r) => setTimeout(r, rule.delayMs ?? 5));
        continue;
      }
      if (rule.kind === 'crash') this.dead = true;
      if ((rule.kind === 'tear' || rule.kind === 'crash') && canTear) return rule.kind;
      throw new InjectedFault(op, key, rule.kind);
    }
    return null;
  }
}
