// Built-in aggregate functions (https://sqlite.org/lang_aggfunc.html; func.c): count, sum,
// total, avg, min, max, group_concat, string_agg (and json_group_array / json_group_object
// from json/json-aggregate.ts). NULL arguments are skipped. DISTINCT and
// FILTER are the caller's job: it steps only the rows (distinct argument values) that
// qualify. `inverse` exists where SQLite has one, for sliding window frames.
import type { Collation } from '../types/compare.js';
import { compareValues } from '../types/compare.js';
import { numericAffinityOfText, realToInt64, toReal, toText } from '../types/convert.js';
import { checkLength, DEFAULT_MAX_LENGTH } from '../types/length-limit.js';
import { utf8ByteLength } from '../types/utf8.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from '../types/value.js';
import { functionError, type Accumulator, type AggregateFunction } from './function-types.js';
import { JSON_AGGREGATES } from './json/json-aggregate.js';

export type { Accumulator, AggregateFunction } from './function-types.js';

class CountAccumulator implements Accumulator {
  private n = 0;
  step(args: readonly SqlValue[]): void {
    if (args.length === 0 || args[0] !== null) this.n++;
  }
  inverse(args: readonly SqlValue[]): void {
    if (args.length === 0 || args[0] !== null) this.n--;
  }
  result(): SqlValue {
    return BigInt(this.n);
  }
}

const TWO_52 = 4503599627370496n;

/**
 * The number sum() adds (sqlite3_value_numeric_type): INTEGER as a bigint; REAL, and TEXT
 * or BLOB that are not well-formed integers, as a double ('12' → 12n, '1.5' → 1.5,
 * 'abc' → 0.0).
 */
function sumInput(v: SqlValue): bigint | number {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = numericAffinityOfText(v, false);
    if (typeof n === 'bigint' || typeof n === 'number') return n;
  }
  return toReal(v);
}

/**
 * sum / total / avg state: an exact int64 sum while every input is an INTEGER, then a
 * Kahan-Babuska-Neumaier compensated double sum, exactly as SQLite's SumCtx does.
 */
class SumState {
  private rSum = 0;
  private rErr = 0;
  private iSum = 0n;
  cnt = 0;
  private approx = false;
  private overflow = false;

  step(v: SqlValue): void {
    if (v === null) return;
    const x = sumInput(v);
    this.cnt++;
    if (!this.approx) {
      if (typeof x === 'bigint') {
        const s = this.iSum + x;
        if (s <= INT64_MAX && s >= INT64_MIN) {
          this.iSum = s;
        } else {
          this.overflow = true;
          this.becomeApprox();
          this.addInt64(x);
        }
      } else {
        this.becomeApprox();
        this.add(x);
      }
    } else if (typeof x === 'bigint') {
      this.addInt64(x);
    } else {
      this.overflow = false;
      this.add(x);
    }
  }

  inverse(v: SqlValue): void {
    if (v === null) return;
    const x = sumInput(v);
    this.cnt--;
    if (!this.approx) {
      const s = this.iSum - (typeof x === 'bigint' ? x : realToInt64(x));
      if (s <= INT64_MAX && s >= INT64_MIN) {
        this.iSum = s;
        return;
      }
      this.overflow = true;
      this.becomeApprox();
    }
    if (typeof x === 'bigint') {
      if (x !== INT64_MIN) {
        this.addInt64(-x);
      } else {
        this.addInt64(INT64_MAX);
        this.addInt64(1n);
      }
    } else {
      this.add(-x);
    }
  }

  private becomeApprox(): void {
    const i = this.iSum;
    if (i <= -TWO_52 || i >= TWO_52) {
      const small = i % 16384n;
      this.rSum = Number(i - small);
      this.rErr = Number(small);
    } else {
      this.rSum = Number(i);
      this.rErr = 0;
    }
    this.approx = true;
  }

  private add(r: number): void {
    const s = this.rSum;
    const t = s + r;
    if (Math.abs(s) > Math.abs(r)) this.rErr += s - t + r;
    else this.rErr += r - t + s;
    this.rSum = t;
  }

  private addInt64(i: bigint): void {
    if (i <= -TWO_52 || i >= TWO_52) {
      const small = i % 16384n;
      this.add(Number(i - small));
      this.add(Number(small));
    } else {
      this.add(Number(i));
    }
  }

  /** The compensated double total (the error term is dropped once it overflowed). */
  real(): number {
    if (!this.approx) return Number(this.iSum);
    return Number.isFinite(this.rErr) ? this.rSum + this.rErr : this.rSum;
  }

  /** sum(): NULL for no rows, INTEGER while exact, "integer overflow" if it overflowed. */
  sum(): SqlValue {
    if (this.cnt <= 0) return null;
    if (!this.approx) return this.iSum;
    if (this.overflow) throw functionError('integer overflow', 'sum');
    return nanToNull(this.real());
  }
}

function nanToNull(r: number): number | null {
  return r !== r ? null : r;
}

class SumAccumulator implements Accumulator {
  protected readonly state = new SumState();
  step(args: readonly SqlValue[]): void {
    this.state.step(args[0]!);
  }
  inverse(args: readonly SqlValue[]): void {
    this.state.inverse(args[0]!);
  }
  result(): SqlValue {
    return this.state.sum();
  }
}

class TotalAccumulator extends SumAccumulator {
  override result(): SqlValue {
    return nanToNull(this.state.real());
  }
}

class AvgAccumulator extends SumAccumulator {
  override result(): SqlValue {
    if (this.state.cnt <= 0) return null;
    return nanToNull(this.state.real() / this.state.cnt);
  }
}

/** min()/max(): the smallest/largest non-NULL value (first one wins ties), NULL if none. */
class MinMaxAccumulator implements Accumulator {
  private best: SqlValue = null;
  private seen = false;
  constructor(
    private readonly isMax: boolean,
    private readonly collation: Collation | undefined,
  ) {}
  step(args: readonly SqlValue[]): void {
    const v = args[0]!;
    if (v === null) return;
    if (!this.seen) {
      this.best = v;
      this.seen = true;
      return;
    }
    const c = compareValues(this.best, v, this.collation);
    if (this.isMax ? c < 0 : c > 0) this.best = v;
  }
  result(): SqlValue {
    return this.best;
  }
}

/**
 * group_concat(X [, SEP]) / string_agg(X, SEP): the text of the non-NULL X values joined by
 * SEP (default ","); the separator comes from the row being appended. NULL when no value
 * was added. `inverse` removes the oldest value and the separator after it, counting UTF-8
 * bytes and remembering separator lengths only once they differ from the first row's
 * SEP, exactly as SQLite's GroupConcatCtx does (which gives odd results when SEP varies).
 */
class GroupConcatAccumulator implements Accumulator {
  private text = '';
  private started = false;
  private count = 0;
  private firstSepLength = 0;
  private sepLengths: number[] | undefined;
  /** UTF-8 bytes of `text`, once it is long enough for the length limit to matter (else -1). */
  private bytes = -1;

  constructor(private readonly max: number) {}

  /** Appends `s`, checking the length limit before the text grows past it. */
  private append(s: string): void {
    if (this.bytes < 0 && (this.text.length + s.length) * 3 > this.max) this.bytes = utf8ByteLength(this.text);
    if (this.bytes >= 0) {
      const n = utf8ByteLength(s);
      checkLength(this.bytes + n, this.max, 'group_concat');
      this.bytes += n;
    }
    this.text += s;
  }

  step(args: readonly SqlValue[]): void {
    const v = args[0]!;
    if (v === null) return;
    const first = !this.started;
    this.started = true;
    if (args.length === 1) {
      if (!first) this.append(',');
      else this.firstSepLength = 1;
    } else if (!first) {
      const sep = toText(args[1]!);
      const sepLength = sep === null ? 0 : utf8ByteLength(sep);
      if (sep !== null) this.append(sep);
      if (sepLength !== this.firstSepLength || this.sepLengths !== undefined) {
        if (this.sepLengths === undefined) {
          this.sepLengths = [];
          for (let i = 0; i < this.count - 1; i++) this.sepLengths.push(this.firstSepLength);
        }
        this.sepLengths[this.count - 1] = sepLength;
      }
    } else {
      const sep = toText(args[1]!);
      this.firstSepLength = sep === null ? 0 : utf8ByteLength(sep);
    }
    this.count++;
    this.append(toText(v)!);
  }

  inverse(args: readonly SqlValue[]): void {
    const v = args[0]!;
    if (v === null) return;
    let remove = utf8ByteLength(toText(v)!);
    this.count--;
    if (this.sepLengths !== undefined) {
      if (this.count > 0) remove += this.sepLengths.shift() ?? 0;
    } else {
      remove += this.firstSepLength;
    }
    this.text = dropUtf8Prefix(this.text, remove);
    if (this.bytes >= 0) this.bytes = Math.max(0, this.bytes - remove);
    if (this.text.length === 0) {
      this.started = false;
      this.sepLengths = undefined;
    }
  }

  result(): SqlValue {
    if (this.count > 0) return this.text;
    return this.text.length > 0 ? this.text : null;
  }

  /** groupConcatValue: values that are all empty give a one-byte "\0" text (it passes "" with length 1). */
  value(): SqlValue {
    return this.count > 0 && this.text.length === 0 ? '\0' : this.result();
  }
}

/** `s` without its first `bytes` UTF-8 bytes (a cut inside a character drops all of it). */
function dropUtf8Prefix(s: string, bytes: number): string {
  let i = 0;
  while (bytes > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      bytes -= 1;
      i += 1;
    } else if (c < 0x800) {
      bytes -= 2;
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes -= 4;
      i += 2;
    } else {
      bytes -= 3;
      i += 1;
    }
  }
  return i === 0 ? s : s.slice(i);
}

function aggregate(
  name: string,
  minArgs: number,
  maxArgs: number,
  invertible: boolean,
  create: (collation?: Collation, maxLength?: number) => Accumulator,
): AggregateFunction {
  return { name, minArgs, maxArgs, invertible, create };
}

const AGGREGATES: readonly AggregateFunction[] = [
  aggregate('count', 0, 1, true, () => new CountAccumulator()),
  aggregate('sum', 1, 1, true, () => new SumAccumulator()),
  aggregate('total', 1, 1, true, () => new TotalAccumulator()),
  aggregate('avg', 1, 1, true, () => new AvgAccumulator()),
  aggregate('min', 1, 1, false, (collation) => new MinMaxAccumulator(false, collation)),
  aggregate('max', 1, 1, false, (collation) => new MinMaxAccumulator(true, collation)),
  aggregate('group_concat', 1, 2, true, (_c, max) => new GroupConcatAccumulator(max ?? DEFAULT_MAX_LENGTH)),
  aggregate('string_agg', 2, 2, true, (_c, max) => new GroupConcatAccumulator(max ?? DEFAULT_MAX_LENGTH)),
];

const registry = new Map<string, AggregateFunction>([...AGGREGATES, ...JSON_AGGREGATES].map((f) => [f.name, f]));

/** The built-in aggregate called `name` (any case), or undefined. Check arity with `checkArity`. */
export function getAggregateFunction(name: string): AggregateFunction | undefined {
  return registry.get(name) ?? registry.get(name.toLowerCase());
}

/** Names of all built-in aggregates, sorted. */
export function aggregateFunctionNames(): string[] {
  return [...registry.keys()].sort();
}
