// Differential tests of the order-preserving key codec against SQLite (better-sqlite3) as
// the oracle of comparison order, plus round trips and error cases.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';
import { compareBytes, concatBytes, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { decodeKeyTuple, encodeKeyTuple, readOrderedUvarint, writeOrderedUvarint, type KeyTuple, type KeyValue } from './key-codec.js';

/** A value as the codec sees it, and as it is bound into SQLite (may differ in JS type, e.g. 5 vs 5n). */
interface Sample {
  codec: KeyValue;
  sql: null | number | bigint | string | Buffer;
}

const TWO53 = 2n ** 53n;
const TWO63 = 2n ** 63n;
const CHARS = ['\u0000', '\u0001', 'a', 'b', 'z', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\ue000', '\ufffd', '😀', '\u{10ffff}'];
const BYTES = [0, 0, 1, 0x7f, 0x80, 0xfe, 0xff];

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

function randomDoubleFromBits(r: Prng): number {
  const f = new Float64Array(1);
  const b = new Uint8Array(f.buffer);
  do b.set(r.bytes(8)); while (Number.isNaN(f[0]!));
  return f[0]!;
}

function randomInt64(r: Prng): bigint {
  let v = 0n;
  for (const byte of r.bytes(8)) v = (v << 8n) | BigInt(byte);
  return v - TWO63;
}

function randomText(r: Prng): string {
  if (r.chance(0.3)) {
    let s = '';
    const n = r.int(12);
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + r.int(95));
    return s;
  }
  let s = '';
  const n = r.int(5);
  for (let i = 0; i < n; i++) s += r.pick(CHARS);
  return s;
}

function randomBlob(r: Prng): Uint8Array {
  const n = r.int(6);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.chance(0.5) ? r.pick(BYTES) : r.int(256);
  return b;
}

/** Integral number or bigint, bound to SQLite either as REAL (number) or INTEGER (bigint). */
function intSample(r: Prng, v: bigint): Sample {
  const exactAsNumber = BigInt(Number(v)) === v;
  const codec: KeyValue = exactAsNumber && r.chance(0.5) ? Number(v) : v;
  const sql: number | bigint = exactAsNumber && r.chance(0.3) ? Number(v) : v;
  return { codec, sql };
}

function randomSample(r: Prng): Sample {
  switch (r.int(11)) {
    case 0:
      return { codec: null, sql: null };
    case 1:
      return intSample(r, BigInt(r.int(2001) - 1000));
    case 2: {
      const base = r.pick([TWO53, -TWO53, TWO63 - 1n, -TWO63, 2n ** 62n, 9_200_000_000_000_000_000n, 1n << 32n]);
      let v = base + BigInt(r.int(7) - 3);
      if (v >= TWO63) v = TWO63 - 1n;
      if (v < -TWO63) v = -TWO63;
      return intSample(r, v);
    }
    case 3:
      return intSample(r, randomInt64(r));
    case 4: {
      const v = r.pick([
        -0, 0.5, -0.5, 1e300, -1e300, Infinity, -Infinity, 9.2e18, -9.2e18, 2 ** 53 + 2, -(2 ** 53) - 2, 2 ** 63, -(2 ** 63), 2 ** 64,
        1e19, -1e19, 1.0000000000000002, 0.9999999999999999, 2 ** 52 + 0.5, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE,
      ]);
      return { codec: v, sql: v };
    }
    case 5: {
      const v = (r.next() - 0.5) * 10 ** r.int(25);
      return { codec: v, sql: v };
    }
    case 6: {
      const v = randomDoubleFromBits(r);
      return { codec: v, sql: v };
    }
    case 7:
    case 8: {
      const s = randomText(r);
      return { codec: s, sql: s };
    }
    default: {
      const b = randomBlob(r);
      return { codec: b, sql: Buffer.from(b) };
    }
  }
}

function describeValue(v: KeyValue): string {
  if (v instanceof Uint8Array) return `x'${toHex(v)}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  return Object.is(v, -0) ? '-0' : String(v);
}

/** SQLite's dense rank of every sample under ORDER BY (ties share a rank). */
function sqliteRanks(samples: readonly Sample[]): number[] {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v)');
    const ins = db.prepare('INSERT INTO t(id, v) VALUES (?, ?)');
    db.transaction(() => samples.forEach((s, i) => ins.run(i, s.sql)))();
    const rows = db.prepare('SELECT id, DENSE_RANK() OVER (ORDER BY v) AS r FROM t ORDER BY v').all() as { id: number; r: number }[];
    const ranks = new Array<number>(samples.length);
    for (const row of rows) ranks[row.id] = row.r;
    return ranks;
  } finally {
    db.close();
  }
}

function lexRankCompare(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return sign(a[i]! - b[i]!);
  return sign(a.length - b.length);
}

/** What decodeKeyTuple returns for a value: -0 as 0, |int| >= 2^53 as bigint, smaller bigints as number. */
function normalize(v: KeyValue): KeyValue {
  if (typeof v === 'bigint') return v > -TWO53 && v < TWO53 ? Number(v) : v;
  if (typeof v === 'number') {
    if (v === 0) return 0;
    if (Number.isInteger(v) && Math.abs(v) >= 2 ** 53 && v >= -(2 ** 63) && v < 2 ** 63) return BigInt(v);
  }
  return v;
}

describe('key-codec', () => {
  it('memcmp order of single values equals SQLite ORDER BY (ties encode equal)', () => {
    const r = new Prng(20240601);
    const samples: Sample[] = [];
    for (let i = 0; i < 4000; i++) samples.push(randomSample(r));
    // Exact duplicates and the NUL-prefix family.
    for (let i = 0; i < 200; i++) samples.push(samples[r.int(samples.length)]!);
    for (const s of ['', 'a', 'a\u0000', 'a\u0000\u0000', 'a\u0000b', 'a\u0001', 'ab', '\u0000']) samples.push({ codec: s, sql: s });
    const ranks = sqliteRanks(samples);
    const enc = samples.map((s) => encodeKeyTuple([s.codec]));
    const order = samples.map((_, i) => i).sort((a, b) => compareBytes(enc[a]!, enc[b]!));
    const bad: string[] = [];
    for (let j = 0; j + 1 < order.length; j++) {
      const a = order[j]!;
      const b = order[j + 1]!;
      const byCodec = sign(compareBytes(enc[a]!, enc[b]!));
      const bySqlite = sign(ranks[a]! - ranks[b]!);
      if (byCodec !== bySqlite && bad.length < 10) {
        bad.push(`${describeValue(samples[a]!.codec)} vs ${describeValue(samples[b]!.codec)}: codec ${byCodec}, sqlite ${bySqlite}`);
      }
    }
    expect(bad).toEqual([]);
    // Sanity of the oracle itself: many distinct ranks and some genuine ties (1 vs 1.0, duplicates).
    expect(new Set(ranks).size).toBeGreaterThan(2500);
    expect(new Set(ranks).size).toBeLessThan(samples.length);
  });

  it('multi-element tuples sort lexicographically by SQLite value order, shorter first', () => {
    const r = new Prng(77);
    const pool: Sample[] = [];
    for (let i = 0; i < 400; i++) pool.push(randomSample(r));
    const ranks = sqliteRanks(pool);
    // A small head pool makes long shared prefixes likely.
    const head = pool.slice(0, 12);
    const tuples: { vals: KeyValue[]; ranks: number[] }[] = [];
    for (let i = 0; i < 3000; i++) {
      const len = r.int(5);
      const vals: KeyValue[] = [];
      const rk: number[] = [];
      for (let j = 0; j < len; j++) {
        const idx = j < 2 && r.chance(0.7) ? r.int(head.length) : r.int(pool.length);
        vals.push(pool[idx]!.codec);
        rk.push(ranks[idx]!);
      }
      tuples.push({ vals, ranks: rk });
    }
    const enc = tuples.map((t) => encodeKeyTuple(t.vals));
    const mismatch = (a: number, b: number): string | null => {
      const c = sign(compareBytes(enc[a]!, enc[b]!));
      const m = lexRankCompare(tuples[a]!.ranks, tuples[b]!.ranks);
      return c === m ? null : `[${tuples[a]!.vals.map(describeValue).join(', ')}] vs [${tuples[b]!.vals.map(describeValue).join(', ')}]: codec ${c}, model ${m}`;
    };
    const bad: string[] = [];
    const order = tuples.map((_, i) => i).sort((a, b) => compareBytes(enc[a]!, enc[b]!));
    for (let j = 0; j + 1 < order.length; j++) {
      const m = mismatch(order[j]!, order[j + 1]!);
      if (m && bad.length < 10) bad.push(m);
    }
    for (let k = 0; k < 20000; k++) {
      const m = mismatch(r.int(tuples.length), r.int(tuples.length));
      if (m && bad.length < 10) bad.push(m);
    }
    expect(bad).toEqual([]);
  });

  it('a tuple sorts before every extension of it', () => {
    const r = new Prng(5);
    for (let i = 0; i < 2000; i++) {
      const t: KeyValue[] = [];
      const len = r.int(4);
      for (let j = 0; j < len; j++) t.push(randomSample(r).codec);
      const ext = [...t, r.pick<KeyValue>([null, '', new Uint8Array(0), -Infinity, randomSample(r).codec])];
      expect(compareBytes(encodeKeyTuple(t), encodeKeyTuple(ext))).toBeLessThan(0);
    }
  });

  it('decodeKeyTuple inverts encodeKeyTuple and reports where the tuple ends', () => {
    const r = new Prng(99);
    for (let i = 0; i < 3000; i++) {
      const t: KeyValue[] = [];
      const len = r.int(5);
      for (let j = 0; j < len; j++) t.push(randomSample(r).codec);
      const a = encodeKeyTuple(t);
      const expected = t.map(normalize);
      const d = decodeKeyTuple(a);
      expect(d.values).toEqual(expected);
      expect(d.next).toBe(a.length);
      // Re-encoding the decoded values gives the same bytes.
      expect(toHex(encodeKeyTuple(d.values))).toBe(toHex(a));
      // Decoding from the middle of a buffer of back-to-back tuples.
      const other = encodeKeyTuple([randomSample(r).codec]);
      const buf = concatBytes([other, a, other]);
      const d2 = decodeKeyTuple(buf, other.length);
      expect(d2.values).toEqual(expected);
      expect(d2.next).toBe(other.length + a.length);
    }
  });

  it('rejects NaN, out-of-range bigints and unsupported types with INVALID_ARGUMENT', () => {
    const cases: unknown[] = [[NaN], [1, NaN], [TWO63], [-TWO63 - 1n], [true], [{}], [undefined]];
    for (const c of cases) {
      let err: unknown;
      try {
        encodeKeyTuple(c as KeyTuple);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DoSQLError);
      expect((err as DoSQLError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('decodeKeyTuple rejects malformed input with CORRUPTION', () => {
    const good = encodeKeyTuple(['abc', new Uint8Array([0, 1])]);
    const cases = [new Uint8Array(0), good.subarray(0, good.length - 1), good.subarray(0, 4), new Uint8Array([0x99, 0]), new Uint8Array([0x20, 0x61, 0x00, 0x01, 0x00, 0x00, 0x00])];
    for (const c of cases) {
      let err: unknown;
      try {
        decodeKeyTuple(c);
      } catch (e) {
        err = e;
      }
      expect(err, toHex(c)).toBeInstanceOf(DoSQLError);
      expect((err as DoSQLError).code).toBe('CORRUPTION');
    }
  });

  it('ordered uvarints: memcmp order equals numeric order, and they round trip', () => {
    const r = new Prng(3);
    const vals: number[] = [0, 1, 247, 248, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 3000; i++) vals.push(Math.floor(r.next() * 2 ** r.int(54)));
    const w = new ByteWriter(16);
    const enc = vals.map((v) => {
      w.reset();
      writeOrderedUvarint(w, v);
      return w.toBytes();
    });
    for (let i = 0; i < vals.length; i++) {
      const c = { pos: 0 };
      expect(readOrderedUvarint(enc[i]!, c)).toBe(vals[i]);
      expect(c.pos).toBe(enc[i]!.length);
    }
    for (let k = 0; k < 20000; k++) {
      const a = r.int(vals.length);
      const b = r.int(vals.length);
      expect(sign(compareBytes(enc[a]!, enc[b]!))).toBe(sign(vals[a]! - vals[b]!));
    }
  });
});
