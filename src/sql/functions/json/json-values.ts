// SQL values ↔ JSON, with json.c's rules for each direction:
// - a JSON argument (jsonParseFuncArg): JSONB when a BLOB looks like it, else the value's text
//   parsed as JSON (numbers too; an empty text is malformed);
// - a value to store (jsonFunctionArgToBlob, json_set's VALUE): TEXT becomes a JSON string
//   unless it carries the JSON subtype, REAL keeps its SQL text ("Inf" → 9e999);
// - a value to append as text (jsonAppendSqlValue, json_array / json_object / json_quote): REAL
//   as SQL prints it, infinities as ±9.0e+999;
// - a JSON scalar back to SQL (jsonReturnFromBlob): true/false → 1/0, integers past int64 →
//   REAL, strings with escapes decoded.
import { atof, atoi64, type NumberSlot } from '../../types/numeric-text.js';
import { realToText } from '../../types/real-format.js';
import { isJsonText, type MaybeSubtyped } from '../../types/subtype.js';
import { utf8Decode } from '../../types/utf8.js';
import { INT64_MIN, type SqlValue } from '../../types/value.js';
import { functionError } from '../function-types.js';
import { unescapeString } from './json-chars.js';
import {
  JSONB_FALSE,
  JSONB_FLOAT,
  JSONB_FLOAT5,
  JSONB_INT,
  JSONB_INT5,
  JSONB_NULL,
  JSONB_TEXT,
  JSONB_TEXT5,
  JSONB_TEXTJ,
  JSONB_TEXTRAW,
  JSONB_TRUE,
  NULL_NODE,
  scalar,
  type JsonNode,
} from './json-node.js';
import { parseJsonText } from './json-parse.js';
import { malformedJson, quoteString, renderInto, type JsonOut } from './json-render.js';
import { decodeJsonb, looksLikeJsonb } from './jsonb-codec.js';

export function blobNotJson(): Error {
  return functionError('JSON cannot hold BLOB values');
}

/** The JSON a function argument holds; undefined for NULL (the function then returns NULL). */
export function jsonArg(v: MaybeSubtyped): JsonNode | undefined {
  if (v === null) return undefined;
  if (v instanceof Uint8Array) {
    if (looksLikeJsonb(v)) return decodeJsonb(v);
    return parseText(utf8Decode(v));
  }
  return parseText(argText(v));
}

function argText(v: MaybeSubtyped): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realToText(v);
  return (v as { value: string }).value;
}

function parseText(text: string): JsonNode {
  if (text.length === 0) throw malformedJson();
  const r = parseJsonText(text);
  if (r.node === undefined) throw malformedJson();
  return r.node;
}

/** A value to store inside JSON (json_set and friends). */
export function valueNode(v: MaybeSubtyped): JsonNode {
  if (v === null) return NULL_NODE;
  if (isJsonText(v)) return parseText(v.value);
  switch (typeof v) {
    case 'string':
      return scalar(JSONB_TEXTRAW, v);
    case 'bigint':
      return scalar(JSONB_INT, v.toString());
    case 'number': {
      if (Number.isNaN(v)) return NULL_NODE;
      const t = realToText(v);
      if (t === 'Inf') return scalar(JSONB_FLOAT, '9e999');
      if (t === '-Inf') return scalar(JSONB_FLOAT, '-9e999');
      return scalar(JSONB_FLOAT, t);
    }
    default:
      if (v instanceof Uint8Array && looksLikeJsonb(v)) return decodeJsonb(v);
      throw blobNotJson();
  }
}

/** A REAL as JSON text: SQL's rendering, with ±9.0e+999 for the infinities. */
export function realJson(r: number): string {
  if (r === Infinity) return '9.0e+999';
  if (r === -Infinity) return '-9.0e+999';
  if (Number.isNaN(r)) return 'null';
  return realToText(r);
}

/** Appends `v` as JSON text (json_array, json_object, json_quote, json_group_array). */
export function appendValue(out: JsonOut, v: MaybeSubtyped): void {
  if (v === null) {
    out.push('null');
    return;
  }
  if (isJsonText(v)) {
    out.push(v.value);
    return;
  }
  switch (typeof v) {
    case 'string':
      out.push(quoteString(v));
      return;
    case 'bigint':
      out.push(v.toString());
      return;
    case 'number':
      out.push(realJson(v));
      return;
    default:
      if (v instanceof Uint8Array && looksLikeJsonb(v)) {
        renderInto(decodeJsonb(v), out);
        return;
      }
      throw blobNotJson();
  }
}

const slot: NumberSlot = { real: 0, int: 0n };

/** sqlite3DecOrHexToI64 on an unsigned payload: 0 ok (slot.int), 1 not a number, 2 too big, 3 exactly 2^63. */
function decOrHex(z: string): number {
  if (z.charCodeAt(0) === 0x30 && (z.charCodeAt(1) | 0x20) === 0x78) {
    let i = 2;
    while (z.charCodeAt(i) === 0x30) i++;
    let k = i;
    let u = 0n;
    while (k < z.length && /[0-9a-fA-F]/.test(z[k]!)) {
      u = (u * 16n + BigInt(parseInt(z[k]!, 16))) & 0xffffffffffffffffn;
      k++;
    }
    slot.int = BigInt.asIntN(64, u);
    if (k - i > 16) return 2;
    if (k !== z.length) return 1;
    return 0;
  }
  const rc = atoi64(z, slot);
  return rc < 0 ? 1 : rc;
}

function toReal(text: string): number {
  if (atof(text, slot) <= 0) throw malformedJson();
  return slot.real;
}

/** A JSON number's SQL value (jsonReturnFromBlob). */
function numberValue(n: JsonNode): SqlValue {
  const s = n.s;
  if (s.length === 0) throw malformedJson();
  if (n.t === JSONB_FLOAT || n.t === JSONB_FLOAT5) return toReal(s);
  const neg = s.charCodeAt(0) === 0x2d;
  if (neg && s.length < 2) throw malformedJson();
  const rc = decOrHex(neg ? s.slice(1) : s);
  if (rc === 0) {
    const v = slot.int;
    if (v < 0n) {
      const r = Number(BigInt.asUintN(64, v));
      return neg ? -r : r;
    }
    return neg ? -v : v;
  }
  if (rc === 3 && neg) return INT64_MIN;
  if (rc === 1) throw malformedJson();
  return toReal(s);
}

/** The SQL value of a JSON scalar (callers render arrays and objects themselves). */
export function scalarValue(n: JsonNode): SqlValue {
  switch (n.t) {
    case JSONB_NULL:
      return null;
    case JSONB_TRUE:
      return 1n;
    case JSONB_FALSE:
      return 0n;
    case JSONB_INT:
    case JSONB_INT5:
    case JSONB_FLOAT:
    case JSONB_FLOAT5:
      return numberValue(n);
    case JSONB_TEXT:
    case JSONB_TEXTRAW:
      return n.s;
    case JSONB_TEXTJ:
    case JSONB_TEXT5:
      return unescapeString(n.s);
    default:
      throw malformedJson();
  }
}
