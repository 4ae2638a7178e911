// Differential tests of the date and time functions against SQLite (better-sqlite3) as the oracle:
// generated time values, modifier chains and strftime formats, compared by value and storage class.
// SQLite runs with TZ=UTC, the local timezone dosql assumes, so 'localtime' and 'utc' are comparable.
process.env.TZ = 'UTC';

import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DoSQLError } from '../../errors.js';
import type { SqlValue } from '../types/value.js';
import { DATETIME_FUNCTIONS, type DateTimeContext } from './datetime.js';

const db = new Database(':memory:');
afterAll(() => db.close());

const byName = new Map(DATETIME_FUNCTIONS.map((f) => [f.name, f]));
const statements = new Map<string, Database.Statement>();

/** SQLite's answer for `name(args...)`, INTEGER as bigint. */
function oracle(name: string, args: readonly SqlValue[]): SqlValue {
  const key = `${name}/${args.length}`;
  let stmt = statements.get(key);
  if (!stmt) {
    const call = name.startsWith('current_') ? name : `${name}(${args.map(() => '?').join(', ')})`;
    stmt = db.prepare(`SELECT ${call}`).pluck().safeIntegers(true);
    statements.set(key, stmt);
  }
  return stmt.get(...args) as SqlValue;
}

const FIXED_CLOCK: DateTimeContext = { nowMs: () => 1_700_000_000_123 };

function ours(name: string, args: readonly SqlValue[], ctx: DateTimeContext = FIXED_CLOCK): SqlValue {
  const fn = byName.get(name);
  if (!fn) throw new Error(`no function ${name}`);
  return fn.call(args, ctx);
}

function show(v: SqlValue): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  return String(v);
}

function same(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  return typeof a === typeof b && (a === b || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b)));
}

/** Runs every case against both implementations; fails listing the first mismatches. */
function compareAll(cases: readonly (readonly [string, readonly SqlValue[]])[]): void {
  const bad: string[] = [];
  for (const [name, args] of cases) {
    const want = oracle(name, args);
    const got = ours(name, args);
    if (!same(got, want)) bad.push(`${name}(${args.map(show).join(', ')}): sqlite ${show(want)}, dosql ${show(got)}`);
  }
  expect(bad.slice(0, 25), `${bad.length} of ${cases.length} differ`).toEqual([]);
}

// ------------------------------------------------------------------ generators

/** mulberry32: small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// DATETIME_SEED / DATETIME_SCALE (multiplies the generated case counts) allow longer hunts by hand.
const SEED = Number(process.env['DATETIME_SEED'] ?? 20240601);
const SCALE = Number(process.env['DATETIME_SCALE'] ?? 1);
const rand = rng(SEED);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number): boolean => rand() < p;
const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const mixCase = (s: string): string => (chance(0.2) ? [...s].map((c) => (chance(0.5) ? c.toUpperCase() : c)).join('') : s);

function year(): number {
  return chance(0.3) ? pick([0, 1, 99, 100, 400, 1582, 1600, 1899, 1900, 1969, 1970, 2000, 2037, 2038, 2100, 9998, 9999]) : int(0, 9999);
}

function fraction(): string {
  return chance(0.5) ? '' : '.' + Array.from({ length: int(1, 7) }, () => int(0, 9)).join('');
}

function timeOfDay(): string {
  const hh = chance(0.05) ? int(24, 25) : int(0, 23);
  const mm = chance(0.03) ? 60 : int(0, 59);
  let t = `${pad(hh, 2)}:${pad(mm, 2)}`;
  if (chance(0.7)) t += `:${pad(chance(0.03) ? 60 : int(0, 59), 2)}${fraction()}`;
  if (chance(0.25)) t += pick(['Z', 'z', ' Z', `+${pad(int(0, 15), 2)}:${pad(int(0, 59), 2)}`, `-${pad(int(0, 14), 2)}:${pad(int(0, 59), 2)}`, ' +00:00', '-00:00', '+5:00', 'Zx']);
  return t;
}

function isoDate(): string {
  const m = chance(0.05) ? pick([0, 13]) : int(1, 12);
  const d = chance(0.05) ? pick([0, 32]) : chance(0.3) ? int(28, 31) : int(1, 31);
  return `${chance(0.03) ? '-' : ''}${pad(year(), 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** A time value: ISO text, bare time, numbers of every storage class, or something invalid. */
function timeValue(): SqlValue {
  const r = rand();
  if (r < 0.45) {
    let s = isoDate();
    if (chance(0.6)) s += pick([' ', 'T', '  ', 'TT', ' T']) + timeOfDay();
    if (chance(0.03)) s += pick([' ', 'x', 'T']);
    return s;
  }
  if (r < 0.55) return timeOfDay();
  if (r < 0.63) return Math.round(rand() * 5_400_000 * 1e4) / 1e4 - (chance(0.05) ? 10_000 : 0); // julian day REAL
  if (r < 0.68) return BigInt(int(-10, 5_373_485)); // julian day INTEGER
  if (r < 0.76) return chance(0.5) ? BigInt(int(-211_000_000_000, 254_000_000_000)) : (rand() - 0.45) * 4.7e11; // unix seconds
  if (r < 0.84) return pick(['2451545', ' 2451545.25 ', '1e6', '.5', '1.', '+3', '-1', '1e', 'e5', '0', '5373484.4999', '5373484.5', '1700000000', '-0.0']);
  if (r < 0.88) return new TextEncoder().encode(isoDate());
  return pick([null, '', 'x', '2024-1-1', '2024-01-01x', '12:00:00junk', '2024/01/01', '12:3', '24:00', '2024-01-01 12', '2024-02-30\u00002', '１２:00', 'nowx']);
}

function modifier(): string | null {
  const r = rand();
  const sign = pick(['+', '-', '']);
  if (r < 0.4) {
    const unit = pick(['second', 'minute', 'hour', 'day', 'month', 'year']);
    const scale = { second: 1e9, minute: 1e7, hour: 1e5, day: 5000, month: 200, year: 20 }[unit]!;
    const n = chance(0.5) ? String(int(0, scale)) : (rand() * scale).toFixed(int(1, 4));
    const plural = chance(0.5) ? 's' : '';
    const space = chance(0.03) ? '' : pick([' ', ' ', '  ']);
    return `${sign}${n}${space}${mixCase(unit)}${plural}${chance(0.02) ? ' ' : ''}`;
  }
  if (r < 0.5) return `${sign}${pad(int(0, 25), 2)}:${pad(int(0, 60), 2)}${chance(0.6) ? `:${pad(int(0, 59), 2)}${fraction()}` : ''}`;
  if (r < 0.6) {
    const y = chance(0.2) ? pad(int(0, 15000), 5) : pad(int(0, 30), 4);
    const ymd = `${pick(['+', '-', '+', '-', ''])}${y}-${pad(int(0, 12), 2)}-${pad(int(0, 31), 2)}`;
    return chance(0.4) ? `${ymd} ${pad(int(0, 24), 2)}:${pad(int(0, 59), 2)}${chance(0.5) ? `:${pad(int(0, 59), 2)}${fraction()}` : ''}` : ymd;
  }
  if (r < 0.95) {
    return mixCase(
      pick(['ceiling', 'floor', 'start of month', 'start of year', 'start of day', 'start of week', `weekday ${int(0, 7)}`, 'weekday 3.5', 'weekday 2.0', 'unixepoch', 'julianday', 'auto', 'localtime', 'utc', 'subsec', 'subsecond', 'floor', 'ceiling']),
    );
  }
  return pick([null, '', 'bogus', '5', '+', '1 fortnight', 'weekday', 'start of', '+1 day ', '2 daysx']);
}

function modifiers(firstIsNumeric: boolean): SqlValue[] {
  const out: SqlValue[] = [];
  if (firstIsNumeric && chance(0.6)) out.push(pick(['unixepoch', 'julianday', 'auto', 'auto', 'unixepoch']));
  const n = chance(0.25) ? 0 : int(1, 4);
  for (let i = 0; i < n; i++) out.push(modifier());
  return out;
}

function strftimeFormat(): string {
  const codes = 'dfeFGgHIjJklmMpPRsSTuwUVWY%'.split('');
  let f = '';
  const n = int(1, 5);
  for (let i = 0; i < n; i++) f += (chance(0.3) ? pick(['-', ' ', 'x', '::', 'é']) : '') + '%' + pick(codes);
  if (chance(0.02)) f += pick(['%Q', '%', '%E']);
  return f;
}

function timeArgs(): SqlValue[] {
  const v = timeValue();
  return [v, ...modifiers(typeof v === 'number' || typeof v === 'bigint')];
}

// ------------------------------------------------------------------ tests

describe('date and time functions, differential against SQLite', () => {
  it('date/time/datetime/julianday/unixepoch on generated values and modifier chains', () => {
    const cases: [string, SqlValue[]][] = [];
    for (let i = 0; i < 9000 * SCALE; i++) cases.push([pick(['date', 'time', 'datetime', 'julianday', 'unixepoch']), timeArgs()]);
    compareAll(cases);
  });

  it('strftime with every format code', () => {
    const cases: [string, SqlValue[]][] = [];
    for (let i = 0; i < 4000 * SCALE; i++) cases.push(['strftime', [strftimeFormat(), ...timeArgs()]]);
    compareAll(cases);
  });

  it('strftime week numbers and ISO years around every new year', () => {
    const cases: [string, SqlValue[]][] = [];
    const fmt = '%Y %G %g %V %U %W %j %u %w %d %e';
    for (let y = 0; y <= 9999; y += pick([1, 7, 37, 101])) {
      for (const md of ['01-01', '01-02', '01-03', '01-04', '01-07', '12-25', '12-28', '12-29', '12-30', '12-31']) cases.push(['strftime', [fmt, `${pad(y, 4)}-${md} 13:45:06.789`]]);
    }
    cases.push(['strftime', [fmt, 0.0]], ['strftime', [fmt, 5373484.4999]], ['strftime', ['%V %G', '-4713-11-24 12:00']]);
    compareAll(cases);
  });

  it('month and year steps on month ends, with floor and ceiling', () => {
    const cases: [string, SqlValue[]][] = [];
    for (const y of [1900, 2000, 2023, 2024, 9999, 0]) {
      for (let m = 1; m <= 12; m++) {
        for (const d of [28, 29, 30, 31]) {
          const base = `${pad(y, 4)}-${pad(m, 2)}-${d} 10:11:12`;
          const step = pick(['+1 month', '-1 month', '+13 months', '-25 months', '+1 year', '-4 years', '+1.5 months', '+0001-01-00', '-0000-11-03']);
          cases.push(['datetime', [base, step]], ['datetime', [base, step, 'floor']], ['date', [base, step, 'ceiling']], ['date', [base, step, '+1 day', 'floor']]);
        }
      }
    }
    compareAll(cases);
  });

  it('timediff between generated values', () => {
    const cases: [string, SqlValue[]][] = [];
    for (let i = 0; i < 2500 * SCALE; i++) cases.push(['timediff', [timeValue(), timeValue()]]);
    for (let i = 0; i < 500 * SCALE; i++) cases.push(['timediff', [`${isoDate()} ${timeOfDay()}`, `${isoDate()} ${timeOfDay()}`]]);
    compareAll(cases);
  });

  it('edge inputs: NULL, blobs, numbers as text, extreme numbers, overflowing chains', () => {
    const big = '+464269060799 seconds';
    const cases: [string, SqlValue[]][] = [
      ['date', [null]],
      ['date', ['2024-01-01', null]],
      ['datetime', [new TextEncoder().encode('2024-03-04 05:06:07')]],
      ['datetime', ['2024-01-01', new TextEncoder().encode('+1 day')]],
      ['strftime', [1.5, 0]],
      ['strftime', [12n, 0]],
      ['strftime', [1e20, 0]],
      ['strftime', ['', '2024-01-01']],
      ['strftime', ['%', '2024-01-01']],
      ['strftime', [null, '2024-01-01']],
      ['julianday', [-0.0]],
      ['julianday', [Number.MAX_VALUE]],
      ['julianday', [9223372036854775807n]],
      ['julianday', [-9223372036854775808n]],
      ['datetime', [0n, 'unixepoch']],
      ['datetime', [253402300799n, 'unixepoch']],
      ['datetime', [253402300800n, 'unixepoch']],
      ['datetime', [-210866760000n, 'unixepoch']],
      ['datetime', [-210866760001n, 'auto']],
      ['datetime', ['2000-01-01', big, big, '-928538121598 seconds']],
      ['datetime', ['2000-01-01', '+5000000 days', '-5000000 days']],
      ['datetime', [1e12, '+1 month', 'localtime']],
      ['datetime', ['2000-01-01', '-3000000 days', 'localtime', 'subsec']],
      ['datetime', ['2000-01-01 10:00:00.5', 'subsec', 'utc']],
      ['datetime', ['2000-01-01 10:00:00.5Z', 'subsec', 'utc']],
      ['datetime', ['2023-02-31 10:00', 'utc']],
      ['date', ['2023-02-31', 'start of day']],
      ['datetime', ['2024-01-01 24:00:00']],
      ['time', ['12:34:56.9999', 'subsec']],
      ['strftime', ['%f %S %s', '2024-01-01 12:00:56.7895']],
      ['datetime', ['2024-01-01', '+01:00+05:00']],
      ['datetime', ['2024-01-01', '-0001-02-03 04:05:06.789']],
      ['datetime', ['2024-01-01', '+14712-00-00']],
      ['datetime', ['2024-01-01', '+1e2 days']],
      ['datetime', ['2024-01-01', 'weekday 1e0']],
      ['unixepoch', ['2024-01-01 00:00:00.123', 'subsec']],
    ];
    compareAll(cases);
  });
});

describe('the current time', () => {
  /** The same instant written explicitly, which SQLite can be given instead of 'now'. */
  function explicit(ms: number): string {
    return new Date(ms).toISOString().replace('T', ' ');
  }

  it("'now' and 'subsec' read ctx.nowMs() and match SQLite given that instant explicitly", () => {
    const bad: string[] = [];
    for (let i = 0; i < 1500 * SCALE; i++) {
      const ms = int(0, 4_102_444_800_000) + (chance(0.5) ? 0 : int(0, 999));
      const ctx: DateTimeContext = { nowMs: () => ms };
      const subsec = chance(0.2);
      // 'auto' is valid only right after the time value, where SQLite gets the extra 'subsec'.
      const mods = modifiers(false).filter((m) => !subsec || typeof m !== 'string' || m.toLowerCase() !== 'auto');
      const name = pick(['date', 'time', 'datetime', 'julianday', 'unixepoch', 'strftime']);
      const prefix: SqlValue[] = name === 'strftime' ? [strftimeFormat()] : [];
      const got = ours(name, [...prefix, subsec ? 'SubSec' : 'now', ...mods], ctx);
      const want = oracle(name, [...prefix, explicit(ms), ...(subsec ? ['subsec'] : []), ...mods]);
      if (!same(got, want)) bad.push(`${name} at ${ms} ${JSON.stringify(mods)}: sqlite ${show(want)}, dosql ${show(got)}`);
    }
    expect(bad.slice(0, 20), `${bad.length} differ`).toEqual([]);
  });

  it('current_date, current_time, current_timestamp and argument-less calls use the statement clock', () => {
    const ctx: DateTimeContext = { nowMs: () => Date.UTC(2031, 6, 9, 8, 7, 6, 543) };
    expect(ours('current_date', [], ctx)).toBe('2031-07-09');
    expect(ours('current_time', [], ctx)).toBe('08:07:06');
    expect(ours('current_timestamp', [], ctx)).toBe('2031-07-09 08:07:06');
    expect(ours('datetime', [], ctx)).toBe('2031-07-09 08:07:06');
    expect(ours('unixepoch', [], ctx)).toBe(1941350826n);
    expect(ours('strftime', ['%Y-%m-%d %H:%M:%f'], ctx)).toBe('2031-07-09 08:07:06.543');
    expect(ours('timediff', ['now', '2031-07-08'], ctx)).toBe('+0000-00-01 08:07:06.543');
    expect(ours('strftime', [], ctx)).toBeNull();
  });

  it("rejects 'now', localtime and utc in pure contexts with SQLite's message", () => {
    db.exec("CREATE TABLE chk(x CHECK (date(x) IS NOT NULL)); CREATE TABLE chk2(x CHECK (datetime('2024-01-01', x) IS NOT NULL))");
    const sqliteMessage = (sql: string, v: string): string => {
      try {
        db.prepare(sql).run(v);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const pure: DateTimeContext = { nowMs: () => 0, pureContext: 'a CHECK constraint' };
    const message = (f: () => unknown): string => {
      try {
        f();
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(DoSQLError);
        expect((e as DoSQLError).code).toBe('SQL_ERROR');
        return (e as Error).message;
      }
    };
    expect(message(() => ours('date', ['now'], pure))).toBe(`sql: ${sqliteMessage('INSERT INTO chk VALUES (?)', 'now')}`);
    expect(message(() => ours('datetime', ['2024-01-01', 'localtime'], pure))).toBe(`sql: ${sqliteMessage('INSERT INTO chk2 VALUES (?)', 'localtime')}`);
    expect(message(() => ours('datetime', ['2024-01-01', 'utc'], pure))).toBe('sql: non-deterministic use of datetime() in a CHECK constraint');
    expect(ours('date', ['2024-05-06', '+1 day'], pure)).toBe('2024-05-07');
  });
});

describe('documented examples (lang_datefunc.html §5)', () => {
  it('give the documented answers', () => {
    const ctx: DateTimeContext = { nowMs: () => Date.UTC(2024, 1, 15, 10, 30) };
    const cases: [string, SqlValue[], SqlValue][] = [
      ['date', ['now', 'start of month', '+1 month', '-1 day'], '2024-02-29'],
      ['datetime', [1092941466n, 'unixepoch'], '2004-08-19 18:51:06'],
      ['datetime', [1092941466n, 'unixepoch', 'localtime'], '2004-08-19 18:51:06'],
      ['unixepoch', [], 1707993000n],
      ['julianday', ['now'], 2460355.9375],
      ['julianday', ['2000-01-01 00:00:00'], 2451544.5],
      ['date', ['now', 'start of year', '+9 months', 'weekday 2'], '2024-10-01'],
      ['strftime', ['%s', 'now'], '1707993000'],
      ['date', ['2023-01-31', '+1 month'], '2023-03-03'],
      ['date', ['2023-01-31', '+1 month', 'floor'], '2023-02-28'],
      ['timediff', ['2023-02-15', '2023-03-15'], '-0000-01-00 00:00:00.000'],
      ['timediff', ['1970-01-01', '1800-01-01'], '+0170-00-00 00:00:00.000'],
      ['unixepoch', ['2023-06-01 12:00:00.5', 'subsec'], 1685620800.5],
    ];
    for (const [name, args, want] of cases) expect([name, ours(name, args, ctx)]).toEqual([name, want]);
  });
});
