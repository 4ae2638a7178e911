// The json1 scalar functions (https://sqlite.org/json1.html), each with its jsonb_ twin where
// SQLite has one: the same work, the result returned as a JSONB blob instead of text. JSON
// text results carry the JSON subtype, so a JSON function given another's result nests it
// instead of quoting it. Errors carry SQLite's messages ("malformed JSON", "bad JSON path: '$x'").
import { toInt64, toText } from '../../types/convert.js';
import { checkLength, DEFAULT_MAX_LENGTH } from '../../types/length-limit.js';
import { jsonText, JSON_SUBTYPE, plain, Subtyped, type MaybeSubtyped } from '../../types/subtype.js';
import { utf8Decode } from '../../types/utf8.js';
import type { SqlValue } from '../../types/value.js';
import { functionError, type FunctionContext, type ScalarFunction } from '../function-types.js';
import { JSON_TYPE_NAMES, JSONB_ARRAY, type JsonNode } from './json-node.js';
import { parseJsonText } from './json-parse.js';
import { editPath, isLookupError, locate, MALFORMED, NOT_ARRAY, NOT_FOUND, overwrite, PATH_ERROR, TOO_DEEP, type EditMode } from './json-path.js';
import { mergePatch } from './json-patch.js';
import { JsonOut, malformedJson, quoteString, renderInto, renderJson, renderPretty } from './json-render.js';
import { appendValue, jsonArg, scalarValue, valueNode } from './json-values.js';
import { encodeJsonb, jsonbCheck, looksLikeJsonb } from './jsonb-codec.js';

function maxOf(ctx: FunctionContext): number {
  return ctx.maxLength ?? DEFAULT_MAX_LENGTH;
}

/** SQLite's message for a failed path lookup (jsonBadPathError). */
export function pathError(path: string, rc: number): Error {
  if (rc === NOT_ARRAY) return functionError(`not an array element: ${sqlQuote(path)}`);
  if (rc === MALFORMED) return malformedJson();
  if (rc === TOO_DEEP) return functionError('JSON path too deep');
  return functionError(`bad JSON path: ${sqlQuote(path)}`);
}

/** `%Q`: the text in single quotes, quotes doubled. */
function sqlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A path argument's text, cut at its first NUL as SQLite's C string is; undefined for NULL. */
export function pathText(v: MaybeSubtyped): string | undefined {
  const p = plain(v);
  if (p === null) return undefined;
  const t = p instanceof Uint8Array ? utf8Decode(p) : toText(p)!;
  const nul = t.indexOf('\0');
  return nul >= 0 ? t.slice(0, nul) : t;
}

/** The result of a function that returns JSON: text with the JSON subtype, or a JSONB blob. */
function jsonResult(n: JsonNode, blob: boolean, ctx: FunctionContext): MaybeSubtyped {
  if (blob) {
    const b = encodeJsonb(n);
    checkLength(b.length, maxOf(ctx), 'JSONB');
    return b;
  }
  return jsonText(renderJson(n, maxOf(ctx)));
}

/** JSON text built by `build` as a result: text with the JSON subtype, or its JSONB. */
function builtResult(out: JsonOut, blob: boolean, ctx: FunctionContext): MaybeSubtyped {
  const text = out.text();
  if (!blob) return jsonText(text);
  const r = parseJsonText(text);
  if (r.node === undefined) throw malformedJson();
  return jsonResult(r.node, true, ctx);
}

interface Def {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Every TEXT result is JSON (the function sets the subtype whatever its arguments). */
  readonly json?: boolean;
  readonly fn: (args: readonly MaybeSubtyped[], ctx: FunctionContext) => MaybeSubtyped;
}

function define(d: Def): ScalarFunction {
  return {
    name: d.name,
    minArgs: d.minArgs,
    maxArgs: d.maxArgs,
    deterministic: true,
    ...(d.json ? { resultSubtype: JSON_SUBTYPE } : {}),
    callSubtyped: d.fn,
    call: (args: readonly SqlValue[], ctx: FunctionContext) => plain(d.fn(args, ctx)),
  };
}

/** json(X) / jsonb(X): X minified (or as JSONB), JSON5 turned into canonical JSON. */
function jsonFn(blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    const n = jsonArg(args[0]!);
    return n === undefined ? null : jsonResult(n, blob, ctx);
  };
}

function arrayFn(blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    const out = new JsonOut(maxOf(ctx));
    out.push('[');
    for (let i = 0; i < args.length; i++) {
      if (i > 0) out.push(',');
      appendValue(out, args[i]!);
    }
    out.push(']');
    return builtResult(out, blob, ctx);
  };
}

function objectFn(blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    if (args.length % 2 !== 0) throw functionError('json_object() requires an even number of arguments');
    const out = new JsonOut(maxOf(ctx));
    out.push('{');
    for (let i = 0; i < args.length; i += 2) {
      const label = args[i]!;
      const text = typeof label === 'string' ? label : label instanceof Subtyped ? label.value : undefined;
      if (text === undefined) throw functionError('json_object() labels must be TEXT');
      if (i > 0) out.push(',');
      out.push(quoteString(text));
      out.push(':');
      appendValue(out, args[i + 1]!);
    }
    out.push('}');
    return builtResult(out, blob, ctx);
  };
}

/** The node `path` leads to, NOT_FOUND, or a thrown path error; `abbreviated` accepts the `->` shorthands. */
function lookup(root: JsonNode, pathArg: MaybeSubtyped, abbreviated: boolean): JsonNode | typeof NOT_FOUND | undefined {
  const path = pathText(pathArg);
  if (path === undefined) return undefined;
  let steps: string;
  if (path.startsWith('$')) steps = path.slice(1);
  else if (abbreviated) steps = abbreviate(path, typeof plain(pathArg) === 'bigint');
  else throw pathError(path, PATH_ERROR);
  const r = locate(root, steps);
  if (typeof r === 'number') {
    if (r === NOT_FOUND) return NOT_FOUND;
    throw pathError(path, r);
  }
  return r.node;
}

/**
 * The `->` / `->>` shorthand for a path not starting with '$': an INTEGER is an array index
 * (negative counts from the end), a word of letters, digits and '_' is a key, `[...]` is used as
 * written, anything else is a quoted key.
 */
function abbreviate(path: string, integer: boolean): string {
  if (integer) return path.startsWith('-') ? `[#${path}]` : `[${path}]`;
  if (/^[A-Za-z0-9_]*$/.test(path)) return `.${path}`;
  if (path.startsWith('[') && path.length >= 3 && path.endsWith(']')) return path;
  return `."${path}"`;
}

/** json_extract / jsonb_extract / -> / ->>: 'json' always JSON text, 'sql' SQL values, undefined: json_extract's mix. */
function extractFn(blob: boolean, mode: 'json' | 'sql' | undefined) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    if (args.length < 2) return null;
    const root = jsonArg(args[0]!);
    if (root === undefined) return null;
    const abbreviated = mode !== undefined;
    if (args.length === 2) {
      const n = lookup(root, args[1]!, abbreviated);
      if (n === undefined || n === NOT_FOUND) return null;
      if (mode === 'json') return jsonText(renderJson(n, maxOf(ctx)));
      if (n.c) {
        if (blob) return jsonResult(n, true, ctx);
        const text = renderJson(n, maxOf(ctx));
        return mode === 'sql' ? text : jsonText(text);
      }
      return scalarValue(n);
    }
    const out = new JsonOut(maxOf(ctx));
    out.push('[');
    for (let i = 1; i < args.length; i++) {
      const n = lookup(root, args[i]!, abbreviated);
      if (n === undefined) return null;
      if (i > 1) out.push(',');
      if (n === NOT_FOUND) out.push('null');
      else renderInto(n, out);
    }
    out.push(']');
    return builtResult(out, blob, ctx);
  };
}

/** json_insert / json_replace / json_set / json_array_insert and their jsonb_ forms. */
function setFn(name: string, mode: EditMode, blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    if (args.length < 1) return null;
    if (args.length % 2 === 0) throw functionError(`json_${name}() needs an odd number of arguments`);
    let root = jsonArg(args[0]!);
    if (root === undefined) return null;
    for (let i = 1; i < args.length - 1; i += 2) {
      const path = pathText(args[i]!);
      if (path === undefined) continue;
      if (!path.startsWith('$')) throw pathError(path, PATH_ERROR);
      const value = valueNode(args[i + 1]!);
      if (path.length === 1) {
        if (mode === 'replace' || mode === 'set') root = overwrite(root, value);
        continue;
      }
      const r = editPath(root, path.slice(1), mode, value);
      if (r.rc === NOT_FOUND) continue;
      if (isLookupError(r.rc)) throw pathError(path, r.rc);
      root = r.root;
    }
    return jsonResult(root, blob, ctx);
  };
}

function removeFn(blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    if (args.length < 1) return null;
    let root = jsonArg(args[0]!);
    if (root === undefined) return null;
    for (let i = 1; i < args.length; i++) {
      const path = pathText(args[i]!);
      if (path === undefined) return null;
      if (!path.startsWith('$')) throw pathError(path, PATH_ERROR);
      if (path.length === 1) return null;
      const r = editPath(root, path.slice(1), 'delete', undefined);
      if (r.rc === NOT_FOUND) continue;
      if (isLookupError(r.rc)) throw pathError(path, r.rc);
      root = r.root;
    }
    return jsonResult(root, blob, ctx);
  };
}

function patchFn(blob: boolean) {
  return (args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped => {
    const target = jsonArg(args[0]!);
    if (target === undefined) return null;
    const patch = jsonArg(args[1]!);
    if (patch === undefined) return null;
    return jsonResult(mergePatch(target, patch), blob, ctx);
  };
}

function arrayLength(args: readonly MaybeSubtyped[]): MaybeSubtyped {
  const root = jsonArg(args[0]!);
  if (root === undefined) return null;
  let n: JsonNode = root;
  if (args.length === 2) {
    const path = pathText(args[1]!);
    if (path === undefined) return null;
    const r = locate(root, path.startsWith('$') ? path.slice(1) : '@');
    if (typeof r === 'number') {
      if (r === NOT_FOUND) return null;
      throw pathError(path, r);
    }
    n = r.node;
  }
  return BigInt(n.t === JSONB_ARRAY ? n.c!.length : 0);
}

function typeFn(args: readonly MaybeSubtyped[]): MaybeSubtyped {
  const root = jsonArg(args[0]!);
  if (root === undefined) return null;
  if (args.length === 1) return JSON_TYPE_NAMES[root.t]!;
  const path = pathText(args[1]!);
  if (path === undefined) return null;
  if (!path.startsWith('$')) throw pathError(path, PATH_ERROR);
  const r = locate(root, path.slice(1));
  if (typeof r === 'number') {
    if (r === NOT_FOUND) return null;
    throw pathError(path, r);
  }
  return JSON_TYPE_NAMES[r.node.t]!;
}

/**
 * json_valid(X [, FLAGS]): FLAGS 1 RFC 8259 text (the default), 2 JSON5 text, 4 a BLOB that
 * looks like JSONB, 8 strictly valid JSONB, or any sum of them.
 */
function validFn(args: readonly MaybeSubtyped[]): MaybeSubtyped {
  let flags = 1n;
  if (args.length === 2) {
    flags = toInt64(plain(args[1]!));
    if (flags < 1n || flags > 15n) throw functionError('FLAGS parameter to json_valid() must be between 1 and 15');
  }
  const v = plain(args[0]!);
  if (v === null) return null;
  if (v instanceof Uint8Array && looksLikeJsonb(v)) {
    if (flags & 4n) return 1n;
    if (flags & 8n) return jsonbCheck(v) === 0 ? 1n : 0n;
    return 0n;
  }
  if ((flags & 3n) === 0n) return 0n;
  const text = v instanceof Uint8Array ? utf8Decode(v) : toText(v)!;
  if (text.length === 0) return 0n;
  const r = parseJsonText(text);
  if (r.node === undefined) return 0n;
  return (flags & 2n) !== 0n || !r.nonstandard ? 1n : 0n;
}

/** json_error_position(X): 0 when X is well-formed, else the 1-based character (JSONB: byte) where it stops being so. */
function errorPositionFn(args: readonly MaybeSubtyped[]): MaybeSubtyped {
  const v = plain(args[0]!);
  if (v === null) return null;
  if (v instanceof Uint8Array && looksLikeJsonb(v)) return BigInt(jsonbCheck(v));
  const text = v instanceof Uint8Array ? utf8Decode(v) : toText(v)!;
  const r = parseJsonText(text);
  if (r.node !== undefined && text.length > 0) return 0n;
  const at = r.node === undefined ? r.errorAt : 0;
  let chars = 0;
  for (let k = 0; k < at && k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0) break;
    if (c < 0xdc00 || c > 0xdfff) chars++;
  }
  return BigInt(chars + 1);
}

function prettyFn(args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped {
  const root = jsonArg(args[0]!);
  if (root === undefined) return null;
  let indent = '    ';
  if (args.length === 2) {
    const t = pathText(args[1]!);
    if (t !== undefined) indent = t;
  }
  return renderPretty(root, indent, maxOf(ctx));
}

function quoteFn(args: readonly MaybeSubtyped[], ctx: FunctionContext): MaybeSubtyped {
  const out = new JsonOut(maxOf(ctx));
  appendValue(out, args[0]!);
  return jsonText(out.text());
}

export const JSON_FUNCTIONS: readonly ScalarFunction[] = [
  define({ name: 'json', minArgs: 1, maxArgs: 1, json: true, fn: jsonFn(false) }),
  define({ name: 'jsonb', minArgs: 1, maxArgs: 1, fn: jsonFn(true) }),
  define({ name: 'json_array', minArgs: 0, maxArgs: -1, json: true, fn: arrayFn(false) }),
  define({ name: 'jsonb_array', minArgs: 0, maxArgs: -1, fn: arrayFn(true) }),
  define({ name: 'json_array_length', minArgs: 1, maxArgs: 2, fn: arrayLength }),
  define({ name: 'json_error_position', minArgs: 1, maxArgs: 1, fn: errorPositionFn }),
  define({ name: 'json_extract', minArgs: 0, maxArgs: -1, fn: extractFn(false, undefined) }),
  define({ name: 'jsonb_extract', minArgs: 0, maxArgs: -1, fn: extractFn(true, undefined) }),
  define({ name: 'json_insert', minArgs: 0, maxArgs: -1, json: true, fn: setFn('insert', 'insert', false) }),
  define({ name: 'jsonb_insert', minArgs: 0, maxArgs: -1, fn: setFn('insert', 'insert', true) }),
  define({ name: 'json_replace', minArgs: 0, maxArgs: -1, json: true, fn: setFn('replace', 'replace', false) }),
  define({ name: 'jsonb_replace', minArgs: 0, maxArgs: -1, fn: setFn('replace', 'replace', true) }),
  define({ name: 'json_set', minArgs: 0, maxArgs: -1, json: true, fn: setFn('set', 'set', false) }),
  define({ name: 'jsonb_set', minArgs: 0, maxArgs: -1, fn: setFn('set', 'set', true) }),
  define({ name: 'json_array_insert', minArgs: 0, maxArgs: -1, json: true, fn: setFn('array_insert', 'arrayInsert', false) }),
  define({ name: 'jsonb_array_insert', minArgs: 0, maxArgs: -1, fn: setFn('array_insert', 'arrayInsert', true) }),
  define({ name: 'json_object', minArgs: 0, maxArgs: -1, json: true, fn: objectFn(false) }),
  define({ name: 'jsonb_object', minArgs: 0, maxArgs: -1, fn: objectFn(true) }),
  define({ name: 'json_patch', minArgs: 2, maxArgs: 2, json: true, fn: patchFn(false) }),
  define({ name: 'jsonb_patch', minArgs: 2, maxArgs: 2, fn: patchFn(true) }),
  define({ name: 'json_pretty', minArgs: 1, maxArgs: 2, fn: prettyFn }),
  define({ name: 'json_quote', minArgs: 1, maxArgs: 1, json: true, fn: quoteFn }),
  define({ name: 'json_remove', minArgs: 0, maxArgs: -1, json: true, fn: removeFn(false) }),
  define({ name: 'jsonb_remove', minArgs: 0, maxArgs: -1, fn: removeFn(true) }),
  define({ name: 'json_type', minArgs: 1, maxArgs: 2, fn: typeFn }),
  define({ name: 'json_valid', minArgs: 1, maxArgs: 2, fn: validFn }),
];

/** The `->` operator: the JSON text at a path (abbreviated paths allowed), with the JSON subtype. */
export const JSON_ARROW: ScalarFunction = define({ name: '->', minArgs: 2, maxArgs: 2, json: true, fn: extractFn(false, 'json') });
/** The `->>` operator: the SQL value at a path. */
export const JSON_ARROW2: ScalarFunction = define({ name: '->>', minArgs: 2, maxArgs: 2, fn: extractFn(false, 'sql') });
