// Checks of what JavaScript callers pass to the public API. TypeScript's types say what each
// method takes, but JavaScript (and `as any`) can pass anything: every public method checks its
// arguments first and answers a wrong one with INVALID_ARGUMENT naming the method and the
// argument, never with a TypeError from deep inside (issue 13, item 8). Messages describe a
// bad value by its type only: they never call the caller's toString.
import { DoSQLError } from '../../errors.js';
import { describeValue } from './bind-params.js';
import type { TimePoint } from './time-points.js';

function invalid(where: string, what: string, v: unknown): DoSQLError {
  const shown = typeof v === 'string' ? JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : describeValue(v);
  return new DoSQLError('INVALID_ARGUMENT', `sql: ${where}: ${what}, got ${shown}`);
}

/** True for `{...}` and `Object.create(null)`. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A string argument. */
export function argString(v: unknown, where: string, name: string): string {
  if (typeof v !== 'string') throw invalid(where, `${name} must be a string`, v);
  return v;
}

/** An options object: undefined gives {}; anything but a plain object is refused. */
export function argOptions<T extends object>(v: T | undefined, where: string): T {
  if (v === undefined) return {} as T;
  if (!isPlainObject(v)) throw invalid(where, 'options must be a plain object', v);
  return v;
}

/** An optional option of type `type` (undefined is absent). */
export function optionOf(o: object, key: string, type: 'string' | 'boolean' | 'function', where: string): void {
  const v = (o as Record<string, unknown>)[key];
  if (v !== undefined && typeof v !== type) throw invalid(where, `option ${key} must be a ${type}`, v);
}

/** An optional finite number option (undefined is absent); `integer` and `min` narrow it. */
export function optionNumber(o: object, key: string, where: string, rule: { integer?: boolean; min?: number } = {}): void {
  const v = (o as Record<string, unknown>)[key];
  if (v === undefined) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (!rule.integer || Number.isInteger(v)) && (rule.min === undefined || v >= rule.min);
  if (!ok) throw invalid(where, `option ${key} must be a${rule.integer ? 'n integer' : ' finite number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}`, v);
}

/** An optional option that must be one of `values`. */
export function optionOneOf(o: object, key: string, values: readonly string[], where: string): void {
  const v = (o as Record<string, unknown>)[key];
  if (v !== undefined && !values.includes(v as string)) throw invalid(where, `option ${key} must be one of ${values.map((x) => `'${x}'`).join(', ')}`, v);
}

/** An optional list of table names. */
export function argNames(v: unknown, where: string): readonly string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(where, 'tables must be an array of table names', v);
  return v as readonly string[];
}

/** A function argument. */
export function argFunction(v: unknown, where: string, name: string): void {
  if (typeof v !== 'function') throw invalid(where, `${name} must be a function`, v);
}

const POINT_FIELDS: Readonly<Record<TimePoint['kind'], readonly [string, 'number' | 'string']>> = {
  lsn: ['lsn', 'number'],
  timestamp: ['ms', 'number'],
  snapshot: ['name', 'string'],
  branch: ['name', 'string'],
  relative: ['versionOffset', 'number'],
};

/** A time point as made by lsn(), timestamp(), snapshot(), branch() or relative(). */
export function argTimePoint(v: unknown, where: string): TimePoint {
  const kind = isPlainObject(v) ? v.kind : undefined;
  const field = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(POINT_FIELDS, kind) ? POINT_FIELDS[kind as TimePoint['kind']] : undefined;
  if (!field || typeof (v as Record<string, unknown>)[field[0]] !== field[1]) {
    throw invalid(where, 'a time point must be made by lsn(), timestamp(), snapshot(), branch() or relative()', v);
  }
  return v as TimePoint;
}

/** A time point or a branch name. */
export function argPointOrBranch(v: unknown, where: string): TimePoint | string {
  return typeof v === 'string' ? v : argTimePoint(v, where);
}
