// Random JSON for differential tests of json1 (https://sqlite.org/json1.html): documents
// rendered as strict JSON, as JSON5 (single quotes, bare keys, hex, comments, trailing commas,
// Infinity/NaN, escapes only JSON5 has) or broken on purpose; paths into them (existing,
// missing, `#`-relative, quoted labels) and malformed paths; SQL values to store into them,
// some of them JSON results that must nest rather than be quoted. The engines' answers are
// compared, never these generators' own idea of the result.
import type { Rng } from './random.js';

type Node =
  | { readonly t: 'obj'; readonly entries: readonly (readonly [string, Node])[] }
  | { readonly t: 'arr'; readonly items: readonly Node[] }
  | { readonly t: 'str'; readonly s: string }
  | { readonly t: 'num'; readonly text: string; readonly json5?: string }
  | { readonly t: 'lit'; readonly text: 'true' | 'false' | 'null' };

/** A generated document: its text, and paths (SQLite syntax) that exist in it. */
export interface JsonDoc {
  readonly text: string;
  readonly paths: readonly string[];
  /** Object labels used, for `->` with a bare label. */
  readonly labels: readonly string[];
}

export type JsonStyle = 'strict' | 'json5' | 'broken';

const KEYS = ['a', 'b', 'c', 'x', 'id', 'tags', 'A', 'a b', 'a.b', 'é', '', '"q"', "it's", '0', '$', 'a[0]', 'k\\n', 'aé'];
const CHARS = ['a', 'b', 'z', ' ', 'é', '€', '😀', '"', '\\', '/', "'", '\n', '\t', '\u0001', '\u001f', '\u007f', '\u2028', 'x', '0', '[', '{'];
const NUMBERS = ['0', '-0', '1', '-1', '7', '42', '123456', '-98765', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '1.5', '-2.25', '0.1', '1e3', '1E+2', '2.5e-3', '-0.0', '1e400', '-1e400', '123456789012345678901234567890', '3.141592653589793', '1.0', '100.0'];
const JSON5_NUMBERS = ['0x1F', '0XaB', '-0x10', '+1', '+0.5', '.5', '5.', '-.25', 'Infinity', '-Infinity', 'NaN', '+Infinity', '0x0', '0x7FFFFFFFFFFFFFFF', '0xFFFFFFFFFFFFFFFFFF', '1.e2', '+.5e1'];

function genString(r: Rng): string {
  const n = r.weighted([
    [3, 0],
    [6, 1],
    [6, 3],
    [2, 8],
  ] as const);
  let s = '';
  for (let i = 0; i < n; i++) s += r.chance(0.6) ? r.pick(['a', 'b', 'c', 'x', '1']) : r.pick(CHARS);
  return s;
}

function genNode(r: Rng, depth: number, json5: boolean): Node {
  const leafOnly = depth <= 0;
  const kind = r.weighted<string>([
    [leafOnly ? 0 : 3, 'obj'],
    [leafOnly ? 0 : 3, 'arr'],
    [3, 'str'],
    [4, 'num'],
    [2, 'lit'],
  ]);
  switch (kind) {
    case 'obj': {
      const n = r.weighted([
        [1, 0],
        [4, r.int(1, 3)],
        [1, r.int(4, 6)],
      ] as const);
      const entries: [string, Node][] = [];
      for (let i = 0; i < n; i++) {
        // Duplicate labels sometimes: SQLite keeps both and the first wins on lookup.
        const k = r.chance(0.08) && entries.length ? entries[0]![0] : r.chance(0.85) ? r.pick(KEYS.slice(0, 7)) : r.pick(KEYS);
        entries.push([k, genNode(r, depth - 1, json5)]);
      }
      return { t: 'obj', entries };
    }
    case 'arr': {
      const n = r.weighted([
        [1, 0],
        [4, r.int(1, 4)],
        [1, r.int(5, 8)],
      ] as const);
      return { t: 'arr', items: Array.from({ length: n }, () => genNode(r, depth - 1, json5)) };
    }
    case 'str':
      return { t: 'str', s: genString(r) };
    case 'num':
      return json5 && r.chance(0.3) ? { t: 'num', text: '0', json5: r.pick(JSON5_NUMBERS) } : { t: 'num', text: r.pick(NUMBERS) };
    default:
      return { t: 'lit', text: r.pick(['true', 'false', 'null'] as const) };
  }
}

function ws(r: Rng, json5: boolean): string {
  if (!r.chance(0.25)) return '';
  const pool = json5 ? [' ', '\n', '\t', '\r', '  ', '/* c */', '// line\n', '\u00a0', '\u2028', '\ufeff', '\v', '\f'] : [' ', '\n', '\t', '\r', '  '];
  return r.pick(pool);
}

function escapeChar(r: Rng, c: string, quote: string, json5: boolean): string {
  if (c === quote || c === '\\') return `\\${c}`;
  const code = c.codePointAt(0)!;
  if (code < 0x20) {
    const short: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };
    return short[c] ?? `\\u${code.toString(16).padStart(4, '0')}`;
  }
  if (r.chance(0.1)) {
    if (code > 0xffff) {
      const hi = 0xd800 + ((code - 0x10000) >> 10);
      const lo = 0xdc00 + ((code - 0x10000) & 0x3ff);
      return `\\u${hi.toString(16)}\\u${lo.toString(16).toUpperCase()}`;
    }
    if (json5 && code < 0x100 && r.chance(0.5)) return `\\x${code.toString(16).padStart(2, '0')}`;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }
  if (c === '/' && r.chance(0.3)) return '\\/';
  return c;
}

function renderString(r: Rng, s: string, json5: boolean): string {
  const quote = json5 && r.chance(0.3) ? "'" : '"';
  let out = quote;
  for (const c of s) out += escapeChar(r, c, quote, json5);
  if (json5 && r.chance(0.05)) out += r.pick(["\\'", '\\0', '\\v', '\\\n', '\\\r\n', '\\\u2028']);
  return out + quote;
}

function renderKey(r: Rng, k: string, json5: boolean): string {
  if (json5 && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) && r.chance(0.5)) return k;
  return renderString(r, k, json5);
}

function render(r: Rng, n: Node, json5: boolean): string {
  const w = (): string => ws(r, json5);
  const trailing = (): string => (json5 && r.chance(0.15) ? ',' : '');
  switch (n.t) {
    case 'obj': {
      const parts = n.entries.map(([k, v]) => `${w()}${renderKey(r, k, json5)}${w()}:${w()}${render(r, v, json5)}${w()}`);
      return `{${parts.join(',')}${parts.length ? trailing() : ''}${w()}}`;
    }
    case 'arr': {
      const parts = n.items.map((v) => `${w()}${render(r, v, json5)}${w()}`);
      return `[${parts.join(',')}${parts.length ? trailing() : ''}${w()}]`;
    }
    case 'str':
      return renderString(r, n.s, json5);
    case 'num':
      return n.json5 ?? n.text;
    case 'lit':
      return n.text;
  }
}

const SIMPLE_LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Paths (SQLite syntax) to every node of `n`, below `prefix`. */
function collectPaths(r: Rng, n: Node, prefix: string, out: string[], labels: Set<string>): void {
  out.push(prefix);
  if (n.t === 'obj') {
    for (const [k, v] of n.entries) {
      labels.add(k);
      const quoted = `"${k}"`;
      const label = SIMPLE_LABEL.test(k) && r.chance(0.8) ? k : quoted;
      collectPaths(r, v, `${prefix}.${label}`, out, labels);
    }
  } else if (n.t === 'arr') {
    n.items.forEach((v, i) => {
      const idx = r.chance(0.2) ? `#-${n.items.length - i}` : String(i);
      collectPaths(r, v, `${prefix}[${idx}]`, out, labels);
    });
  }
}

/** Breaks valid JSON text in one of the ways parsers must reject (or JSON5 accepts). */
function breakText(r: Rng, text: string): string {
  const i = r.int(0, text.length);
  switch (r.int(0, 6)) {
    case 0:
      return text.slice(0, Math.max(0, i - 1));
    case 1:
      return text.slice(0, i) + r.pick(['"', "'", ',', ':', '}', ']', '{', '[', 'x', '\\', '\u0000', '01', '-', '.', 'tru', 'nul']) + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i + 1);
    case 3:
      return `${text} ${r.pick(['x', '1', '[]', '{}', ','])}`;
    case 4:
      return r.pick(['', ' ', '[', '{', '{"a"}', '{"a":}', '[1,]', '[,1]', '{,}', '"abc', "'a'", '01', '1.', '.1', '-', '+1', '0x', '1e', '1e+', 'NaN', 'nan', 'infinity', '-Infinity', 'TRUE', '[1 2]', '{"a":1 "b":2}', '{a:1}', '"\\x41"', '"\\u00"', '"\u0001"', '[[[[[[[[', '{"a":1}}', '/*', '// c', '"\\q"']);
    case 5:
      return text.replace(/[:,]/, ' ');
    default:
      return `${text.slice(0, i)}\u0000${text.slice(i)}`;
  }
}

/** A random document: strict JSON most of the time, JSON5 or broken text otherwise. */
export function genJsonDoc(r: Rng, style?: JsonStyle): JsonDoc {
  const s = style ?? r.weighted<JsonStyle>([
    [6, 'strict'],
    [2, 'json5'],
    [1, 'broken'],
  ]);
  const json5 = s === 'json5';
  const root = genNode(r, r.int(0, 3), json5);
  const paths: string[] = [];
  const labels = new Set<string>();
  collectPaths(r, root, '$', paths, labels);
  let text = `${ws(r, json5)}${render(r, root, json5)}${ws(r, json5)}`;
  if (s === 'broken') text = breakText(r, text);
  return { text, paths, labels: [...labels] };
}

const BAD_PATHS = ['', 'a', '$x', '$.', '$[', '$[a]', '$[-1]', '$[#+1]', '$[1', '$.a[', '$."a', '$..a', '$.a.', '$[ 1]', '$[1 ]', '$[#-]', '$[#-x]', '$a', '.a', '[0]', '$ ', '$.a b', '$[18446744073709551616]', '$[#-18446744073709551616]', '$**', '$.a[0]x', '$."a"b', '$.[0]', 'x$'];
const ODD_PATHS = ['$', '$[0]', '$[1]', '$[#]', '$[#-1]', '$[#-0]', '$[#-99]', '$[99]', '$.nosuch', '$.a.b.c', '$."a"', '$.""', '$."a b"', '$."a.b"', '$[0][0]', '$[0].a', '$.a[0]', '$.a[#-1]', '$."\\u0061"', '$.A', '$.é', '$.tags[1]', '$[00]', '$[0x1]'];

/** A path into `doc`: usually one that exists, else a missing, `#`-relative or malformed one. */
export function genJsonPath(r: Rng, doc: JsonDoc | undefined): string {
  const existing = doc?.paths ?? [];
  return r.weighted<() => string>([
    [existing.length ? 6 : 0, () => r.pick(existing)],
    [3, () => r.pick(ODD_PATHS)],
    [1, () => r.pick(BAD_PATHS)],
  ])();
}

/** The right operand of `->` / `->>`: a path, a bare label, or an array index. */
export function genArrowOperand(r: Rng, doc: JsonDoc | undefined): string {
  return r.weighted<() => string>([
    [5, () => sqlText(genJsonPath(r, doc))],
    [2, () => sqlText(doc?.labels.length ? r.pick(doc.labels) : r.pick(KEYS))],
    [2, () => String(r.pick([0, 1, 2, -1, -2, 9]))],
    [1, () => r.pick(['NULL', '1.5', "X'2461'", "'[0]'", "'#-1'", "'[#-1]'"])],
  ])();
}

/** A SQL string literal; NULs (which end SQL text handed to SQLite's C API) are spliced in with char(0). */
export function sqlText(s: string): string {
  const lit = `'${s.replaceAll("'", "''")}'`;
  return s.includes('\0') ? `(${lit.split('\0').join("' || char(0) || '")})` : lit;
}

/** A SQL value to store into JSON: numbers, text, NULL, a blob, or a JSON result (which nests). */
export function genJsonSqlValue(r: Rng, depth = 1): string {
  return r.weighted<() => string>([
    [3, () => r.pick(['1', '-7', '0', '9223372036854775807', '-9223372036854775808', '1.5', '-0.0', '1e300', '1e400', '-1e400', '0.1', '100.0', '2.5e-7', "CAST('nan' AS REAL)"])],
    [3, () => sqlText(genString(r))],
    [2, () => sqlText(r.pick(['[1,2]', '{"a":1}', 'true', 'null', '"s"', '12', 'not json']))],
    [1, () => 'NULL'],
    [1, () => r.pick(["X''", "X'00ff'", "X'7b7d'"])],
    [3, () => `json(${sqlText(genJsonDoc(r, 'strict').text)})`],
    [1, () => `jsonb(${sqlText(genJsonDoc(r, 'strict').text)})`],
    [depth > 0 ? 2 : 0, () => `json_array(${genJsonSqlValue(r, depth - 1)}, ${genJsonSqlValue(r, depth - 1)})`],
    [depth > 0 ? 1 : 0, () => `json_object('k', ${genJsonSqlValue(r, depth - 1)})`],
    [depth > 0 ? 1 : 0, () => `(${sqlText(genJsonDoc(r, 'strict').text)} -> '$')`],
    [depth > 0 ? 1 : 0, () => `(${sqlText(genJsonDoc(r, 'strict').text)} ->> '$')`],
    [1, () => `json_quote(${sqlText(genString(r))})`],
  ])();
}
