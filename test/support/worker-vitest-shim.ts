// Stands in for 'vitest' when a test module is bundled into the test Worker (wrangler alias
// vitest -> this file), so engine tests written for vitest run unchanged inside workerd:
// suite functions register nothing, and `expect` implements the matchers those tests use,
// throwing an Error that names the mismatch.
type Fn = (...args: unknown[]) => unknown;

const noop = (): void => undefined;
function suite(): void {}
suite.each = () => noop;
suite.skip = noop;
suite.only = noop;
export const describe = suite;
export const it = suite;
export const test = suite;
export const beforeEach = noop;
export const afterEach = noop;
export const beforeAll = noop;
export const afterAll = noop;

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes(${Array.from(x).join(',')})` : x));
    return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}...` : s;
  } catch {
    return String(v);
  }
}

/** Structural equality as toEqual sees it (undefined properties ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

interface Matchers {
  toBe(v: unknown): void;
  toEqual(v: unknown): void;
  toStrictEqual(v: unknown): void;
  toBeInstanceOf(c: Fn): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThan(n: number): void;
  toHaveLength(n: number): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
}

export function expect(actual: unknown, message?: string): Matchers & { not: Matchers } {
  const make = (negate: boolean): Matchers => {
    const check = (ok: boolean, what: string): void => {
      if (ok === negate) throw new Error(`${message ? `${message}: ` : ''}expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
    };
    return {
      toBe: (v) => check(Object.is(actual, v), `to be ${show(v)}`),
      toEqual: (v) => check(deepEqual(actual, v), `to equal ${show(v)}`),
      toStrictEqual: (v) => check(deepEqual(actual, v), `to equal ${show(v)}`),
      toBeInstanceOf: (c) => check(actual instanceof (c as unknown as new () => unknown), `to be an instance of ${c.name}`),
      toBeGreaterThan: (n) => check((actual as number) > n, `to be > ${n}`),
      toBeGreaterThanOrEqual: (n) => check((actual as number) >= n, `to be >= ${n}`),
      toBeLessThan: (n) => check((actual as number) < n, `to be < ${n}`),
      toHaveLength: (n) => check((actual as { length?: number })?.length === n, `to have length ${n}`),
      toBeNull: () => check(actual === null, 'to be null'),
      toBeUndefined: () => check(actual === undefined, 'to be undefined'),
      toBeDefined: () => check(actual !== undefined, 'to be defined'),
      toBeTruthy: () => check(Boolean(actual), 'to be truthy'),
      toBeFalsy: () => check(!actual, 'to be falsy'),
    };
  };
  return Object.assign(make(false), { not: make(true) });
}
