// JsonNode → JSON text, minified as json() prints it or indented as json_pretty() does
// (json.c jsonTranslateBlobToText / jsonTranslateBlobToPrettyText). Output is always RFC 8259:
// JSON5 numbers and strings are normalised on the way out ('0x1F' → 31, '.5' → 0.5,
// '\x41' → '\u0041'). Builders stop with "string or blob too big" past the length limit.
import { tooBig } from '../../types/length-limit.js';
import { utf8ByteLength } from '../../types/utf8.js';
import { functionError } from '../function-types.js';
import { isDigit, isHex, hexValue } from './json-chars.js';
import {
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
  type JsonNode,
} from './json-node.js';

/** Appends text, failing once it is longer than `max` bytes (UTF-16 units never exceed UTF-8 bytes). */
export class JsonOut {
  private parts: string[] = [];
  private units = 0;

  constructor(readonly max: number) {}

  push(s: string): void {
    this.units += s.length;
    if (this.units > this.max) throw tooBig(this.units, this.max, 'JSON');
    this.parts.push(s);
  }

  /** The text built so far; "string or blob too big" when it is over the limit in UTF-8 bytes. */
  text(): string {
    const s = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [s];
    if (s.length * 3 > this.max) {
      const bytes = utf8ByteLength(s);
      if (bytes > this.max) throw tooBig(bytes, this.max, 'JSON');
    }
    return s;
  }
}

const CONTROL_ESCAPES: readonly string[] = Array.from({ length: 32 }, (_, c) => {
  switch (c) {
    case 8:
      return '\\b';
    case 9:
      return '\\t';
    case 10:
      return '\\n';
    case 12:
      return '\\f';
    case 13:
      return '\\r';
    default:
      return `\\u00${c.toString(16).padStart(2, '0')}`;
  }
});

/** `s` as a JSON string literal (jsonAppendString): quotes, backslashes and control characters escaped. */
export function quoteString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i) + (c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : CONTROL_ESCAPES[c]!);
    from = i + 1;
  }
  return `${out}${s.slice(from)}"`;
}

/** "malformed JSON": what SQLite reports for JSON it cannot read, text or JSONB. */
export function malformedJson(): Error {
  return functionError('malformed JSON');
}

/** A hexadecimal JSON5 integer in decimal (its payload is `[-]0x...`); "9.0e999" past 64 bits. */
function hexToDecimal(s: string): string {
  let k = 2;
  let sign = '';
  if (s.charCodeAt(0) === 0x2d) {
    sign = '-';
    k++;
  } else if (s.charCodeAt(0) === 0x2b) k++;
  let u = 0n;
  let overflow = false;
  for (; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (!isHex(c)) throw malformedJson();
    if (u >> 60n !== 0n) overflow = true;
    else u = u * 16n + BigInt(hexValue(c));
  }
  return sign + (overflow ? '9.0e999' : u.toString());
}

/** A JSON5 float ('.5', '5.', '-.5e3') with the digits RFC 8259 requires around its point. */
function normalizeFloat5(s: string): string {
  let out = '';
  let k = 0;
  if (s.charCodeAt(0) === 0x2d) {
    out = '-';
    k = 1;
  }
  if (s.charCodeAt(k) === 0x2e) out += '0';
  for (; k < s.length; k++) {
    const c = s.charCodeAt(k);
    out += s[k];
    if (c === 0x2e && (k + 1 === s.length || !isDigit(s.charCodeAt(k + 1)))) out += '0';
  }
  return out;
}

/** A JSON5 string payload as an RFC 8259 string literal (JSONB_TEXT5 rendering). */
function normalizeText5(s: string): string {
  let out = '"';
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      out += '\\"';
      i++;
    } else if (c < 0x20) {
      out += CONTROL_ESCAPES[c]!;
      i++;
    } else if (c === 0x5c) {
      if (i + 1 >= n) throw malformedJson();
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 0x27:
          out += "'";
          break;
        case 0x76:
          out += '\\u000b';
          break;
        case 0x78:
          if (i + 4 > n) throw malformedJson();
          out += `\\u00${s.slice(i + 2, i + 4)}`;
          i += 2;
          break;
        case 0x30:
          out += '\\u0000';
          break;
        case 0x0d:
          if (i + 2 < n && s.charCodeAt(i + 2) === 0x0a) i++;
          break;
        case 0x0a:
        case 0x2028:
        case 0x2029:
          break;
        default:
          out += s.slice(i, i + 2);
      }
      i += 2;
    } else {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 0x22 || d === 0x5c || d < 0x20) break;
        j++;
      }
      out += s.slice(i, j);
      i = j;
    }
  }
  return `${out}"`;
}

/** The text of scalar `n`. */
export function scalarText(n: JsonNode): string {
  switch (n.t) {
    case JSONB_NULL:
      return 'null';
    case JSONB_TRUE:
      return 'true';
    case JSONB_FALSE:
      return 'false';
    case JSONB_INT:
    case JSONB_FLOAT:
      if (n.s.length === 0) throw malformedJson();
      return n.s;
    case JSONB_INT5:
      if (n.s.length === 0) throw malformedJson();
      return hexToDecimal(n.s);
    case JSONB_FLOAT5:
      if (n.s.length === 0) throw malformedJson();
      return normalizeFloat5(n.s);
    case JSONB_TEXT:
    case JSONB_TEXTJ:
      return `"${n.s}"`;
    case JSONB_TEXT5:
      return normalizeText5(n.s);
    case JSONB_TEXTRAW:
      return quoteString(n.s);
    default:
      throw malformedJson();
  }
}

/** Appends the minified text of `n` to `out`. */
export function renderInto(n: JsonNode, out: JsonOut): void {
  const c = n.c;
  if (!c) {
    out.push(scalarText(n));
    return;
  }
  if (n.t === JSONB_ARRAY) {
    out.push('[');
    for (let i = 0; i < c.length; i++) {
      if (i > 0) out.push(',');
      renderInto(c[i]!, out);
    }
    out.push(']');
    return;
  }
  if (n.t !== JSONB_OBJECT || c.length % 2 !== 0) throw malformedJson();
  out.push('{');
  for (let i = 0; i < c.length; i += 2) {
    if (i > 0) out.push(',');
    out.push(scalarText(c[i]!));
    out.push(':');
    renderInto(c[i + 1]!, out);
  }
  out.push('}');
}

/** The minified JSON text of `n` (at most `max` UTF-8 bytes). */
export function renderJson(n: JsonNode, max: number): string {
  if (!n.c) return scalarText(n);
  const out = new JsonOut(max);
  renderInto(n, out);
  return out.text();
}

/** json_pretty(): one element per line, nested elements indented by `indent` per level. */
export function renderPretty(n: JsonNode, indent: string, max: number): string {
  const out = new JsonOut(max);
  const pad = (level: number): void => {
    for (let i = 0; i < level; i++) out.push(indent);
  };
  const walk = (x: JsonNode, level: number): void => {
    const c = x.c;
    if (!c) {
      out.push(scalarText(x));
      return;
    }
    const object = x.t === JSONB_OBJECT;
    if (object && c.length % 2 !== 0) throw malformedJson();
    out.push(object ? '{' : '[');
    if (c.length > 0) {
      out.push('\n');
      const step = object ? 2 : 1;
      for (let i = 0; i < c.length; i += step) {
        if (i > 0) out.push(',\n');
        pad(level + 1);
        if (object) {
          out.push(scalarText(c[i]!));
          out.push(': ');
          walk(c[i + 1]!, level + 1);
        } else walk(c[i]!, level + 1);
      }
      out.push('\n');
      pad(level);
    }
    out.push(object ? '}' : ']');
  };
  walk(n, 0);
  return out.text();
}
