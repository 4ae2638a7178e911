// Arithmetic, bitwise and concatenation operators on SQL values, as SQLite's VDBE evaluates
// them (OP_Add..OP_Remainder, OP_BitAnd..OP_ShiftRight, OP_BitNot, OP_Concat in vdbe.c;
// https://sqlite.org/lang_expr.html "Operators").
//
// Operands are converted with toNumeric() ('12abc' → 12, 'x' → 0, '1.5' → 1.5). Two
// INTEGERs give an INTEGER unless + - * overflow int64, in which case the REAL result is
// used. Any NULL operand gives NULL, as does division or remainder by zero and a NaN result
// (inf - inf).
import { toInt64, toNumeric, toReal, toText } from './convert.js';
import { checkLength, DEFAULT_MAX_LENGTH } from './length-limit.js';
import { utf8ByteLength, utf8Decode, utf8Encode } from './utf8.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from './value.js';

/** The binary arithmetic operators. */
export type ArithOperator = '+' | '-' | '*' | '/' | '%';

/** `a + b`. */
export function add(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const r = a + b;
    return r > INT64_MAX || r < INT64_MIN ? Number(a) + Number(b) : r;
  }
  if (typeof a === 'number' && typeof b === 'number') return realResult(a + b);
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x === null || y === null) return null;
  if (typeof x === 'bigint' && typeof y === 'bigint') return add(x, y);
  return realResult(toReal(a) + toReal(b));
}

/** `a - b`. */
export function subtract(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const r = a - b;
    return r > INT64_MAX || r < INT64_MIN ? Number(a) - Number(b) : r;
  }
  if (typeof a === 'number' && typeof b === 'number') return realResult(a - b);
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x === null || y === null) return null;
  if (typeof x === 'bigint' && typeof y === 'bigint') return subtract(x, y);
  return realResult(toReal(a) - toReal(b));
}

/** `a * b`. */
export function multiply(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const r = a * b;
    return r > INT64_MAX || r < INT64_MIN ? Number(a) * Number(b) : r;
  }
  if (typeof a === 'number' && typeof b === 'number') return realResult(a * b);
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x === null || y === null) return null;
  if (typeof x === 'bigint' && typeof y === 'bigint') return multiply(x, y);
  return realResult(toReal(a) * toReal(b));
}

/**
 * `a / b`: INTEGER division truncates toward zero; -9223372036854775808 / -1 is REAL;
 * division by zero (0 or 0.0) is NULL.
 */
export function divide(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) return null;
    if (b === -1n && a === INT64_MIN) return -Number(a);
    return a / b;
  }
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x === null || y === null) return null;
  if (typeof x === 'bigint' && typeof y === 'bigint') return divide(x, y);
  const d = toReal(b);
  if (d === 0) return null;
  return realResult(toReal(a) / d);
}

/**
 * `a % b`: both operands are truncated to INTEGER (REAL 5.5 % 2 is 1.0, a REAL because an
 * operand was not an integer); the sign follows the dividend; remainder by 0 is NULL.
 */
export function remainder(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) return null;
    return b === -1n ? 0n : a % b;
  }
  const x = toNumeric(a);
  const y = toNumeric(b);
  if (x === null || y === null) return null;
  if (typeof x === 'bigint' && typeof y === 'bigint') return remainder(x, y);
  const ia = toInt64(a);
  const ib = toInt64(b);
  if (ib === 0n) return null;
  return ib === -1n ? 0 : Number(ia % ib);
}

/** Applies one of the binary arithmetic operators. */
export function arith(op: ArithOperator, a: SqlValue, b: SqlValue): SqlValue {
  switch (op) {
    case '+':
      return add(a, b);
    case '-':
      return subtract(a, b);
    case '*':
      return multiply(a, b);
    case '/':
      return divide(a, b);
    case '%':
      return remainder(a, b);
  }
}

function realResult(r: number): number | null {
  return r !== r ? null : r;
}

/**
 * Unary `-a`, evaluated as SQLite does, as `0 - a`: -INT64_MIN is REAL 9.2e18, -'5' is
 * INTEGER -5, -'x' is 0, and -(0.0) is 0.0 (not -0.0).
 */
export function negate(a: SqlValue): SqlValue {
  if (typeof a === 'bigint') return a === INT64_MIN ? -Number(a) : -a;
  return subtract(0n, a);
}

/** Unary `~a`: ones' complement of the INTEGER view; NULL → NULL. */
export function bitNot(a: SqlValue): SqlValue {
  return a === null ? null : ~toInt64(a);
}

/** `a & b` on the INTEGER views. */
export function bitAnd(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  return toInt64(a) & toInt64(b);
}

/** `a | b` on the INTEGER views. */
export function bitOr(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  return toInt64(a) | toInt64(b);
}

/**
 * `a << b` on int64: a negative amount shifts the other way; shifting by 64 or more gives 0
 * (or -1 for a negative value shifted right).
 */
export function shiftLeft(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  return shift(toInt64(a), toInt64(b), true);
}

/** `a >> b` on int64, sign-extending; see {@link shiftLeft}. */
export function shiftRight(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  return shift(toInt64(a), toInt64(b), false);
}

function shift(value: bigint, amount: bigint, left: boolean): bigint {
  if (amount === 0n) return value;
  if (amount < 0n) {
    left = !left;
    amount = amount > -64n ? -amount : 64n;
  }
  if (amount >= 64n) return value >= 0n || left ? 0n : -1n;
  return left ? BigInt.asIntN(64, value << amount) : value >> amount;
}

/**
 * `a || b`: both sides as TEXT (REAL as SQLite renders it); NULL if either is NULL. BLOB
 * bytes are joined raw and the result read as UTF-8 text, as SQLite does. LIMIT_EXCEEDED
 * ("string or blob too big") when the result would pass `max` bytes, checked before joining.
 */
export function concat(a: SqlValue, b: SqlValue, max = DEFAULT_MAX_LENGTH): SqlValue {
  if (a === null || b === null) return null;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    const x = a instanceof Uint8Array ? a : utf8Encode(toText(a)!);
    const y = b instanceof Uint8Array ? b : utf8Encode(toText(b)!);
    checkLength(x.length + y.length, max, '||');
    const joined = new Uint8Array(x.length + y.length);
    joined.set(x, 0);
    joined.set(y, x.length);
    return utf8Decode(joined);
  }
  const s = toText(a)!;
  const t = toText(b)!;
  // UTF-16 units bound UTF-8 bytes from below and a third of them from above.
  if ((s.length + t.length) * 3 > max) checkLength(utf8ByteLength(s) + utf8ByteLength(t), max, '||');
  return s + t;
}
