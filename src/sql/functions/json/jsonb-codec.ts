// JSONB, SQLite's binary JSON (https://sqlite.org/jsonb.html; json.c) ↔ JsonNode.
//
//   element := header payload
//   header  := byte0 [size]    byte0 low 4 bits: element type (JSONB_NULL .. JSONB_OBJECT)
//                              byte0 high 4 bits: 0-11 payload size itself (1-byte header);
//                              12/13/14/15: size follows as 1/2/4/8 bytes, big-endian
//   payload := number or string text (UTF-8, no quotes) | the elements of an array |
//              label, value pairs of an object
//
// Encoding keeps each node's header size (the shortest unless the node says otherwise), so a
// blob decoded and encoded again is the same bytes. The checks are SQLite's: jsonArgIsJsonb
// (does a BLOB look like JSONB at all) and jsonbValidityCheck (is it well-formed, and where not).
import { utf8Decode, utf8Encode } from '../../types/utf8.js';
import { INVALID_CHAR, isDigit, isHex, unescapeOne } from './json-chars.js';
import { malformedJson } from './json-render.js';
import {
  JSON_MAX_DEPTH,
  JSONB_ARRAY,
  JSONB_FALSE,
  JSONB_FLOAT,
  JSONB_FLOAT5,
  JSONB_INT,
  JSONB_INT5,
  JSONB_NULL,
  JSONB_OBJECT,
  JSONB_TEXT,
  JSONB_TEXT5,
  JSONB_TEXTJ,
  JSONB_TEXTRAW,
  JSONB_TRUE,
  headerSize,
  nodeSize,
  payloadSize,
  shortestHeader,
  type JsonNode,
} from './json-node.js';

/** The JSONB bytes of `n`. */
export function encodeJsonb(n: JsonNode): Uint8Array {
  const out = new Uint8Array(nodeSize(n));
  const end = write(n, out, 0);
  if (end !== out.length) throw new Error('jsonb: size mismatch');
  return out;
}

function write(n: JsonNode, out: Uint8Array, at: number): number {
  const p = payloadSize(n);
  const h = headerSize(n);
  if (h === 1) out[at] = n.t | (p << 4);
  else {
    out[at] = n.t | (h === 2 ? 0xc0 : h === 3 ? 0xd0 : h === 5 ? 0xe0 : 0xf0);
    for (let k = h - 1, v = p; k >= 1; k--) {
      out[at + k] = v & 0xff;
      v = Math.floor(v / 256);
    }
  }
  let i = at + h;
  if (n.c) {
    for (const k of n.c) i = write(k, out, i);
  } else if (p > 0) {
    const bytes = utf8Encode(n.s);
    out.set(bytes, i);
    i += bytes.length;
  }
  return i;
}

/** Header length and payload size of the element at `a[i]` (jsonbPayloadSize); header 0 when malformed. */
export function payloadAt(a: Uint8Array, i: number, end: number): { n: number; sz: number } {
  const x = a[i]! >> 4;
  let n: number;
  let sz: number;
  if (x <= 11) {
    n = 1;
    sz = x;
  } else if (x === 12) {
    if (i + 1 >= end) return { n: 0, sz: 0 };
    n = 2;
    sz = a[i + 1]!;
  } else if (x === 13) {
    if (i + 2 >= end) return { n: 0, sz: 0 };
    n = 3;
    sz = (a[i + 1]! << 8) | a[i + 2]!;
  } else if (x === 14) {
    if (i + 4 >= end) return { n: 0, sz: 0 };
    n = 5;
    sz = a[i + 1]! * 0x1000000 + ((a[i + 2]! << 16) | (a[i + 3]! << 8) | a[i + 4]!);
  } else {
    if (i + 8 >= end || a[i + 1] !== 0 || a[i + 2] !== 0 || a[i + 3] !== 0 || a[i + 4] !== 0) return { n: 0, sz: 0 };
    n = 9;
    sz = a[i + 5]! * 0x1000000 + ((a[i + 6]! << 16) | (a[i + 7]! << 8) | a[i + 8]!);
  }
  if (i + sz + n > end) return { n: 0, sz: 0 };
  return { n, sz };
}

/**
 * Whether BLOB `a` is JSONB as SQLite decides it (jsonArgIsJsonb): a known element type whose
 * size is exactly the blob's, fully checked when its payload is short enough to be JSON text.
 */
export function looksLikeJsonb(a: Uint8Array): boolean {
  if (a.length === 0) return false;
  const c = a[0]!;
  if ((c & 0x0f) > JSONB_OBJECT) return false;
  const { n, sz } = payloadAt(a, 0, a.length);
  if (n === 0 || sz + n !== a.length) return false;
  if ((c & 0x0f) <= JSONB_FALSE && sz !== 0) return false;
  return sz > 7 || (c !== 0x7b && c !== 0x5b && !isDigit(c)) || jsonbCheck(a) === 0;
}

/** Decodes JSONB; "malformed JSON" when the structure is broken or nested too deep. */
export function decodeJsonb(a: Uint8Array): JsonNode {
  const { node, end } = read(a, 0, a.length, 0);
  if (end !== a.length) throw malformedJson();
  return node;
}

/** The element at `a[i]`, which must end by `end`. */
export function decodeAt(a: Uint8Array, i: number, end: number): JsonNode {
  return read(a, i, end, 0).node;
}

function read(a: Uint8Array, i: number, end: number, depth: number): { node: JsonNode; end: number } {
  if (i >= end || depth > JSON_MAX_DEPTH) throw malformedJson();
  const { n, sz } = payloadAt(a, i, end);
  if (n === 0) throw malformedJson();
  const t = a[i]! & 0x0f;
  const stop = i + n + sz;
  let node: JsonNode;
  if (t === JSONB_ARRAY || t === JSONB_OBJECT) {
    const kids: JsonNode[] = [];
    let j = i + n;
    while (j < stop) {
      const r = read(a, j, stop, depth + 1);
      if (t === JSONB_OBJECT && kids.length % 2 === 0 && (r.node.t < JSONB_TEXT || r.node.t > JSONB_TEXTRAW)) throw malformedJson();
      kids.push(r.node);
      j = r.end;
    }
    if (t === JSONB_OBJECT && kids.length % 2 !== 0) throw malformedJson();
    node = { t, s: '', c: kids, h: undefined, p: sz };
  } else if (t > JSONB_OBJECT) {
    throw malformedJson();
  } else {
    if (t <= JSONB_FALSE && sz !== 0) throw malformedJson();
    node = { t, s: sz === 0 ? '' : utf8Decode(a.subarray(i + n, stop)), c: undefined, h: undefined, p: sz };
  }
  if (n !== shortestHeader(sz)) return { node: { ...node, h: n }, end: stop };
  return { node, end: stop };
}

/** jsonIsOk: bytes a JSON string may hold unescaped (no control character, '"', '\\' or "'"). */
function isOk(b: number): boolean {
  return b >= 0x20 && b !== 0x22 && b !== 0x5c && b !== 0x27;
}

/**
 * jsonbValidityCheck over the whole blob: 0 when every element is well-formed, else the
 * 1-based byte offset of the first problem found (json_error_position of a BLOB).
 */
export function jsonbCheck(a: Uint8Array): number {
  const { n, sz } = payloadAt(a, 0, a.length);
  if (a.length === 0 || n === 0 || n + sz !== a.length) return 1;
  return check(a, 0, a.length, 1);
}

function check(z: Uint8Array, i: number, iEnd: number, depth: number): number {
  if (depth > JSON_MAX_DEPTH) return i + 1;
  const { n, sz } = payloadAt(z, i, iEnd);
  if (n === 0 || i + n + sz !== iEnd) return i + 1;
  const x = z[i]! & 0x0f;
  let j = i + n;
  const k = j + sz;
  switch (x) {
    case JSONB_NULL:
    case JSONB_TRUE:
    case JSONB_FALSE:
      return n + sz === 1 ? 0 : i + 1;
    case JSONB_INT:
      if (sz < 1) return i + 1;
      if (z[j] === 0x2d) {
        j++;
        if (sz < 2) return i + 1;
      }
      for (; j < k; j++) if (!isDigit(z[j]!)) return j + 1;
      return 0;
    case JSONB_INT5:
      if (sz < 3) return i + 1;
      if (z[j] === 0x2d) {
        if (sz < 4) return i + 1;
        j++;
      }
      if (z[j] !== 0x30) return i + 1;
      if (z[j + 1] !== 0x78 && z[j + 1] !== 0x58) return j + 2;
      for (j += 2; j < k; j++) if (!isHex(z[j]!)) return j + 1;
      return 0;
    case JSONB_FLOAT:
    case JSONB_FLOAT5: {
      let seen = 0;
      if (sz < 2) return i + 1;
      if (z[j] === 0x2d) {
        j++;
        if (sz < 3) return i + 1;
      }
      if (z[j] === 0x2e) {
        if (x === JSONB_FLOAT) return j + 1;
        if (!isDigit(z[j + 1] ?? 0)) return j + 1;
        j += 2;
        seen = 1;
      } else if (z[j] === 0x30 && x === JSONB_FLOAT) {
        if (j + 3 > k) return j + 1;
        if (z[j + 1] !== 0x2e && z[j + 1] !== 0x65 && z[j + 1] !== 0x45) return j + 1;
        j++;
      }
      for (; j < k; j++) {
        const c = z[j]!;
        if (isDigit(c)) continue;
        if (c === 0x2e) {
          if (seen > 0) return j + 1;
          if (x === JSONB_FLOAT && (j === k - 1 || !isDigit(z[j + 1]!))) return j + 1;
          seen = 1;
          continue;
        }
        if (c === 0x65 || c === 0x45) {
          if (seen === 2) return j + 1;
          if (j === k - 1) return j + 1;
          if (z[j + 1] === 0x2b || z[j + 1] === 0x2d) {
            j++;
            if (j === k - 1) return j + 1;
          }
          seen = 2;
          continue;
        }
        return j + 1;
      }
      return seen === 0 ? i + 1 : 0;
    }
    case JSONB_TEXT:
      for (; j < k; j++) if (!isOk(z[j]!) && z[j] !== 0x27) return j + 1;
      return 0;
    case JSONB_TEXTJ:
    case JSONB_TEXT5:
      for (; j < k; j++) {
        const c = z[j]!;
        if (isOk(c) || c === 0x27) continue;
        if (c === 0x22) {
          if (x === JSONB_TEXTJ) return j + 1;
        } else if (c <= 0x1f) {
          if (x === JSONB_TEXTJ) return j + 1;
        } else if (j + 1 >= k) {
          return j + 1;
        } else if ('"\\/bfnrt'.includes(String.fromCharCode(z[j + 1]!))) {
          j++;
        } else if (z[j + 1] === 0x75) {
          if (j + 5 >= k) return j + 1;
          if (!(isHex(z[j + 2]!) && isHex(z[j + 3]!) && isHex(z[j + 4]!) && isHex(z[j + 5]!))) return j + 1;
          j++;
        } else if (x !== JSONB_TEXT5) {
          return j + 1;
        } else {
          const text = utf8Decode(z.subarray(j, Math.min(k, j + 1024)));
          const { cp, len } = unescapeOne(text, 0, text.length);
          if (cp === INVALID_CHAR) return j + 1;
          j += utf8Bytes(text.slice(0, len)) - 1;
        }
      }
      return 0;
    case JSONB_TEXTRAW:
      return 0;
    case JSONB_ARRAY:
      while (j < k) {
        const e = payloadAt(z, j, k);
        if (e.n === 0) return j + 1;
        const sub = check(z, j, j + e.n + e.sz, depth + 1);
        if (sub) return sub;
        j += e.n + e.sz;
      }
      return 0;
    case JSONB_OBJECT: {
      let cnt = 0;
      while (j < k) {
        const e = payloadAt(z, j, k);
        if (e.n === 0) return j + 1;
        if ((cnt & 1) === 0) {
          const t = z[j]! & 0x0f;
          if (t < JSONB_TEXT || t > JSONB_TEXTRAW) return j + 1;
        }
        const sub = check(z, j, j + e.n + e.sz, depth + 1);
        if (sub) return sub;
        cnt++;
        j += e.n + e.sz;
      }
      return (cnt & 1) !== 0 ? j + 1 : 0;
    }
    default:
      return i + 1;
  }
}

function utf8Bytes(s: string): number {
  return utf8Encode(s).length;
}
