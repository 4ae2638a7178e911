// json_each(JSON [, ROOT]) and json_tree(JSON [, ROOT]) (https://sqlite.org/json1.html#jeach),
// plus jsonb_each / jsonb_tree (values of arrays and objects as JSONB). json_each yields the
// direct children of the element at ROOT; json_tree that element and everything below it,
// depth first. Columns: key, value, type, atom, id, parent, fullkey, path, and the hidden
// arguments json and root.
//
// The walk runs over the document's JSONB bytes, the way json.c's cursor does, because the
// columns are defined by them: `id` is an element's byte offset (for an object member, its
// label's), `parent` the id of the enclosing container, and the key and path of the first
// json_tree row under a ROOT are recovered from the ROOT text as jsonEachPathLength does.
import { toText } from '../../types/convert.js';
import { atoi64, type NumberSlot } from '../../types/numeric-text.js';
import { JSON_SUBTYPE, plain, type MaybeSubtyped } from '../../types/subtype.js';
import { utf8Decode } from '../../types/utf8.js';
import type { SqlValue } from '../../types/value.js';
import type { FunctionContext } from '../function-types.js';
import type { TableFunction, TableFunctionCall } from '../table-functions.js';
import { JSON_TYPE_NAMES, JSONB_ARRAY, JSONB_OBJECT, JSONB_TEXT, JSONB_TEXTRAW } from './json-node.js';
import { parseJsonText } from './json-parse.js';
import { locate, NOT_FOUND, PATH_ERROR, pathStep } from './json-path.js';
import { malformedJson, renderJson } from './json-render.js';
import { pathError, pathText } from './json-functions.js';
import { scalarValue } from './json-values.js';
import { decodeAt, encodeJsonb, looksLikeJsonb, payloadAt } from './jsonb-codec.js';
import { DEFAULT_MAX_LENGTH } from '../../types/length-limit.js';
import { unescapeString } from './json-chars.js';
import type { JsonNode } from './json-node.js';

const COLUMNS = ['key', 'value', 'type', 'atom', 'id', 'parent', 'fullkey', 'path', 'json', 'root'].map((name, i) => ({ name, hidden: i >= 8 }));
const VALUE = 1;
const TYPE = 2;

interface Parent {
  /** Offset of the container's row (its label when it is an object member). */
  readonly head: number;
  /** Offset of the container's value. */
  readonly value: number;
  readonly end: number;
  /** Path length before the container's own step was appended. */
  readonly pathLength: number;
  key: number;
}

const slot: NumberSlot = { real: 0, int: 0n };

class Cursor {
  private readonly a: Uint8Array;
  private readonly doc: JsonNode;
  private i = 0;
  private end = 0;
  private eType = 0;
  private rowid = 0;
  private readonly parents: Parent[] = [];
  private path: string;
  private readonly rootLength: number;

  constructor(
    doc: JsonNode,
    private readonly jsonColumn: SqlValue,
    root: string | undefined,
    private readonly recursive: boolean,
    private readonly blobValues: boolean,
    private readonly max: number,
  ) {
    this.doc = doc;
    this.a = encodeJsonb(doc);
    let i = 0;
    if (root === undefined || root.length === 1) {
      this.path = '$';
      this.rootLength = 1;
      if (root !== undefined) this.path = root;
    } else {
      const r = locate(doc, root.slice(1));
      if (typeof r === 'number') {
        if (r !== NOT_FOUND) throw pathError(root, r);
        this.path = root;
        this.rootLength = root.length;
        this.end = 0;
        return;
      }
      i = r.offset;
      if (r.labelOffset > 0) {
        this.i = r.labelOffset;
        this.eType = JSONB_OBJECT;
      } else {
        this.i = i;
        this.eType = JSONB_ARRAY;
      }
      this.path = root;
      this.rootLength = root.length;
    }
    const { n, sz } = payloadAt(this.a, i, this.a.length);
    this.end = i + n + sz;
    const t = this.a[i]! & 0x0f;
    if (t >= JSONB_ARRAY && !recursive) {
      this.i = i + n;
      this.eType = t;
      this.parents.push({ head: this.i, value: i, end: this.end, pathLength: this.path.length, key: 0 });
    }
  }

  get done(): boolean {
    return this.i >= this.end;
  }

  /** Offset of the current element's value (past its label for object members). */
  private valueAt(): number {
    if (this.eType !== JSONB_OBJECT) return this.i;
    const { n, sz } = payloadAt(this.a, this.i, this.a.length);
    return this.i + n + sz;
  }

  private elementEnd(i: number): { n: number; end: number } {
    const { n, sz } = payloadAt(this.a, i, this.a.length);
    if (n === 0) throw malformedJson();
    return { n, end: i + n + sz };
  }

  /** The step naming the current element within its parent (jsonAppendPathName). */
  private stepName(): string {
    if (this.eType === JSONB_ARRAY) return `[${this.parents[this.parents.length - 1]!.key}]`;
    const { n, sz } = payloadAt(this.a, this.i, this.a.length);
    return pathStep(utf8Decode(this.a.subarray(this.i + n, this.i + n + sz)));
  }

  next(): void {
    if (this.recursive) {
      let levelChange = false;
      const i = this.valueAt();
      const t = this.a[i]! & 0x0f;
      const { n, end } = this.elementEnd(i);
      if (t === JSONB_OBJECT || t === JSONB_ARRAY) {
        levelChange = true;
        const pathLength = this.path.length;
        if (this.eType && this.parents.length) this.path += this.stepName();
        this.parents.push({ head: this.i, value: i, end, pathLength, key: -1 });
        this.i = i + n;
      } else this.i = end;
      while (this.parents.length > 0 && this.i >= this.parents[this.parents.length - 1]!.end) {
        const p = this.parents.pop()!;
        this.path = this.path.slice(0, p.pathLength);
        levelChange = true;
      }
      if (levelChange) {
        const top = this.parents[this.parents.length - 1];
        this.eType = top ? this.a[top.value]! & 0x0f : 0;
      }
    } else {
      this.i = this.elementEnd(this.valueAt()).end;
    }
    const top = this.parents[this.parents.length - 1];
    if (this.eType === JSONB_ARRAY && top) top.key++;
    this.rowid++;
  }

  /** Characters of the path column: for json_tree's first row under a ROOT, the ROOT up to its enclosing element. */
  private pathLength(): number {
    let n = this.path.length;
    if (this.rowid !== 0 || !this.recursive || n < 2) return n;
    while (n > 1) {
      n--;
      const c = this.path.charCodeAt(n);
      if (c !== 0x5b && c !== 0x2e) continue;
      const r = locate(this.doc, this.path.slice(1, n));
      if (typeof r === 'number') continue;
      const { n: h } = payloadAt(this.a, r.offset, this.a.length);
      if (r.offset + h === this.i) break;
    }
    return n;
  }

  private keyColumn(): SqlValue {
    const top = this.parents[this.parents.length - 1];
    if (!top) {
      if (this.rootLength === 1) return null;
      const j = this.pathLength();
      const n = this.rootLength - j;
      if (n === 0) return null;
      if (this.path.charCodeAt(j) === 0x5b) {
        slot.int = 0n;
        atoi64(this.path.slice(j + 1, j + n), slot);
        return slot.int;
      }
      if (this.path.charCodeAt(j + 1) === 0x22) return this.path.slice(j + 2, j + n - 1);
      return this.path.slice(j + 1, j + n);
    }
    if (this.eType === JSONB_OBJECT) {
      const { n, sz } = payloadAt(this.a, this.i, this.a.length);
      const t = this.a[this.i]! & 0x0f;
      const s = utf8Decode(this.a.subarray(this.i + n, this.i + n + sz));
      return t === JSONB_TEXT || t === JSONB_TEXTRAW ? s : unescapeString(s);
    }
    return BigInt(top.key);
  }

  row(): SqlValue[] {
    const vi = this.valueAt();
    const { end } = this.elementEnd(vi);
    const node = decodeAt(this.a, vi, end);
    const container = node.c !== undefined;
    const value: SqlValue = container ? (this.blobValues ? encodeJsonb(node) : renderJson(node, this.max)) : scalarValue(node);
    const top = this.parents[this.parents.length - 1];
    return [
      this.keyColumn(),
      value,
      JSON_TYPE_NAMES[node.t]!,
      container ? null : value,
      BigInt(this.i),
      top && this.recursive ? BigInt(top.head) : null,
      top ? this.path + this.stepName() : this.path,
      this.path.slice(0, this.pathLength()),
      this.jsonColumn,
      this.path.slice(0, this.rootLength),
    ];
  }
}

/** The input as json.c's cursor reads it: JSONB when it looks like it, else its text parsed as JSON. */
function document(v: MaybeSubtyped): { doc: JsonNode; json: SqlValue } | undefined {
  const p = plain(v);
  if (p === null) return undefined;
  if (p instanceof Uint8Array && looksLikeJsonb(p)) return { doc: decodeAt(p, 0, p.length), json: p };
  const text = p instanceof Uint8Array ? utf8Decode(p) : toText(p)!;
  const r = parseJsonText(text);
  if (r.node === undefined) throw malformedJson();
  const nul = text.indexOf('\0');
  return { doc: r.node, json: nul >= 0 ? text.slice(0, nul) : text };
}

function* rows(call: TableFunctionCall, ctx: FunctionContext, recursive: boolean, blobValues: boolean): Generator<SqlValue[]> {
  const [jsonArg, rootArg] = call.args;
  if (jsonArg === undefined) return;
  const d = document(jsonArg);
  if (!d) return;
  let root: string | undefined;
  if (rootArg !== undefined) {
    root = pathText(rootArg);
    if (root === undefined) return;
    if (!root.startsWith('$')) throw pathError(root, PATH_ERROR);
  }
  const c = new Cursor(d.doc, d.json, root, recursive, blobValues, ctx.maxLength ?? DEFAULT_MAX_LENGTH);
  while (!c.done) {
    yield c.row();
    c.next();
  }
}

function eachFunction(name: string, recursive: boolean, blobValues: boolean): TableFunction {
  return {
    name,
    columns: COLUMNS,
    argColumns: [8, 9],
    open: (call, ctx) => rows(call, ctx, recursive, blobValues),
    subtypeOf: (column, row, offset) => (column === VALUE && (row[offset + TYPE] === 'array' || row[offset + TYPE] === 'object') ? JSON_SUBTYPE : undefined),
  };
}

export const JSON_TABLE_FUNCTIONS: readonly TableFunction[] = [
  eachFunction('json_each', false, false),
  eachFunction('json_tree', true, false),
  eachFunction('jsonb_each', false, true),
  eachFunction('jsonb_tree', true, true),
];
