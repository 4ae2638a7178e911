// JSON paths (https://sqlite.org/json1.html#path_arguments): '$' then any of `.key`,
// `."quoted key"`, `[n]`, `[#]` and `[#-n]`, walked the way json.c's jsonLookupStep walks them:
// a step that does not fit the value (a key on an array, an index past the end) is "not
// found" before the rest of the path is even read, so `$[abc]` on an object is NULL while on
// an array it is a bad path. Edits (json_set/insert/replace/remove/array_insert) copy the
// nodes along the path and keep SQLite's JSONB header rules: a changed container gets the
// shortest header, and a replacement a few bytes smaller than the old value is written with a
// longer header so the enclosing sizes stay the same (jsonBlobOverwrite).
import { isDigit, unescapeOne } from './json-chars.js';
import {
  container,
  headerSize,
  JSON_MAX_DEPTH,
  JSONB_ARRAY,
  JSONB_OBJECT,
  JSONB_TEXT,
  JSONB_TEXT5,
  JSONB_TEXTRAW,
  nodeSize,
  payloadSize,
  scalar,
  withHeader,
  type JsonNode,
} from './json-node.js';

/** Lookup outcomes besides success (json.c JSON_LOOKUP_*). */
export const NOT_FOUND = -1;
export const PATH_ERROR = -2;
/** The JSON itself is broken (only possible for JSONB blobs). */
export const MALFORMED = -3;
export const TOO_DEEP = -4;
/** json_array_insert() at a path that does not name an array element. */
export const NOT_ARRAY = -5;

export type EditMode = 'delete' | 'replace' | 'insert' | 'set' | 'arrayInsert';

interface Key {
  readonly key: string;
  readonly raw: boolean;
  readonly next: number;
}

/** The key of a `.key` / `."key"` step at path[i] ('.'), or PATH_ERROR. */
function parseKey(path: string, i: number): Key | number {
  i++;
  if (path.charCodeAt(i) === 0x22) {
    let j = i + 1;
    while (j < path.length && path.charCodeAt(j) !== 0x22) {
      if (path.charCodeAt(j) === 0x5c && j + 1 < path.length) j++;
      j++;
    }
    if (j >= path.length) return PATH_ERROR;
    const key = path.slice(i + 1, j);
    return { key, raw: !key.includes('\\'), next: j + 1 };
  }
  let j = i;
  while (j < path.length) {
    const c = path.charCodeAt(j);
    if (c === 0x2e || c === 0x5b) break;
    j++;
  }
  if (j === i) return PATH_ERROR;
  return { key: path.slice(i, j), raw: true, next: j };
}

/** The index of a `[n]` / `[#]` / `[#-n]` step at path[i] ('[') in an array of `count`, with the path after ']'. */
function parseIndex(path: string, i: number, count: number): { k: number; next: number } | number {
  let j = i + 1;
  let k = 0;
  while (isDigit(path.charCodeAt(j))) {
    if (k < 0xffffffff) k = k * 10 + path.charCodeAt(j) - 48;
    j++;
  }
  if (j < i + 2 || path.charCodeAt(j) !== 0x5d) {
    if (path.charCodeAt(i + 1) !== 0x23) return PATH_ERROR;
    k = count;
    j = i + 2;
    if (path.charCodeAt(i + 2) === 0x2d && isDigit(path.charCodeAt(i + 3))) {
      let nn = 0;
      j = i + 3;
      do {
        if (nn < 0xffffffff) nn = nn * 10 + path.charCodeAt(j) - 48;
        j++;
      } while (isDigit(path.charCodeAt(j)));
      if (nn > k) return NOT_FOUND;
      k -= nn;
    }
    if (path.charCodeAt(j) !== 0x5d) return PATH_ERROR;
  }
  return { k, next: j + 1 };
}

/** Code points of a label up to its first NUL, escapes decoded unless `raw`. */
function labelChars(s: string, raw: boolean): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let cp: number;
    if (raw || s.charCodeAt(i) !== 0x5c) {
      cp = s.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
    } else {
      const r = unescapeOne(s, i, s.length);
      cp = r.cp;
      i += r.len;
    }
    if (cp === 0) break;
    out.push(cp);
  }
  return out;
}

/** Whether object label `label` is `key` (jsonLabelCompare: escapes compared by the characters they stand for). */
export function labelMatches(key: string, rawKey: boolean, label: JsonNode): boolean {
  const rawLabel = label.t === JSONB_TEXT || label.t === JSONB_TEXTRAW;
  if (rawKey && rawLabel) return key === label.s;
  const a = labelChars(key, rawKey);
  const b = labelChars(label.s, rawLabel);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where a path leads: the value, its JSONB offset, and the offset of its label (0 for none). */
export interface Located {
  readonly node: JsonNode;
  readonly offset: number;
  readonly labelOffset: number;
}

/**
 * Follows `path` (the text after '$') from `root`, whose JSONB offset is `offset`. Returns
 * where it leads or NOT_FOUND / PATH_ERROR / TOO_DEEP.
 */
export function locate(root: JsonNode, path: string, offset = 0): Located | number {
  let node = root;
  let at = offset;
  let labelAt = 0;
  let i = 0;
  let depth = 0;
  while (i < path.length) {
    const c = path.charCodeAt(i);
    if (c === 0x2e) {
      const key = parseKey(path, i);
      if (typeof key === 'number') return key;
      if (node.t !== JSONB_OBJECT) return NOT_FOUND;
      const kids = node.c!;
      let pos = at + headerSize(node);
      let found = -1;
      for (let k = 0; k < kids.length; k += 2) {
        if (labelMatches(key.key, key.raw, kids[k]!)) {
          found = k;
          break;
        }
        pos += nodeSize(kids[k]!) + nodeSize(kids[k + 1]!);
      }
      if (found < 0) return NOT_FOUND;
      if (++depth >= JSON_MAX_DEPTH) return TOO_DEEP;
      labelAt = pos;
      at = pos + nodeSize(kids[found]!);
      node = kids[found + 1]!;
      i = key.next;
    } else if (c === 0x5b) {
      if (node.t !== JSONB_ARRAY) return NOT_FOUND;
      const kids = node.c!;
      const idx = parseIndex(path, i, kids.length);
      if (typeof idx === 'number') return idx;
      if (idx.k >= kids.length) return NOT_FOUND;
      if (++depth >= JSON_MAX_DEPTH) return TOO_DEEP;
      let pos = at + headerSize(node);
      for (let k = 0; k < idx.k; k++) pos += nodeSize(kids[k]!);
      at = pos;
      labelAt = 0;
      node = kids[idx.k]!;
      i = idx.next;
    } else return PATH_ERROR;
  }
  return { node, offset: at, labelOffset: labelAt };
}

/**
 * `ins` written where `old` was (jsonBlobEdit → jsonBlobOverwrite): when `ins` is 1 to 8
 * bytes smaller and its header can grow by exactly that much, it gets the longer header so the
 * containers around it keep their sizes.
 */
export function overwrite(old: JsonNode, ins: JsonNode): JsonNode {
  const d = nodeSize(old) - nodeSize(ins);
  if (d < 1 || d > 8 || ins.t <= 2) return ins;
  const h = headerSize(ins);
  let grown = 0;
  if (h === 1 && (d === 1 || d === 2 || d === 4 || d === 8)) grown = d + 1;
  else if (h === 2 && (d === 1 || d === 3 || d === 7)) grown = d + 2;
  else if (h === 3 && (d === 2 || d === 6)) grown = d + 3;
  else if (h === 5 && d === 4) grown = 9;
  return grown ? withHeader(ins, grown) : ins;
}

/** A container with new children: the old header when the payload size is unchanged, else the shortest. */
export function rebuilt(old: JsonNode, kids: readonly JsonNode[]): JsonNode {
  const n = container(old.t, kids);
  if (old.h !== undefined && payloadSize(n) === payloadSize(old)) return withHeader(n, old.h);
  return n;
}

interface Step {
  readonly rc: number;
  /** Replacement for the node (undefined: unchanged). */
  readonly node?: JsonNode;
  /** The node is to be deleted. */
  readonly del?: boolean;
  /** json_array_insert: insert this before the node. */
  readonly before?: JsonNode;
}

const OK = 0;

export function isLookupError(rc: number): boolean {
  return rc < 0;
}

/**
 * Applies one edit of `path` (the text after '$', not empty) to `root`. Returns the new root
 * (unchanged when nothing applied) and OK (0) or a lookup code; NOT_FOUND means "no-op".
 */
export function editPath(root: JsonNode, path: string, mode: EditMode, ins: JsonNode | undefined): { root: JsonNode; rc: number } {
  const r = step(root, path, 0, 0, mode, ins);
  return { root: r.node ?? root, rc: r.rc };
}

function step(node: JsonNode, path: string, i: number, depth: number, mode: EditMode, ins: JsonNode | undefined): Step {
  if (i >= path.length) {
    switch (mode) {
      case 'delete':
        return { rc: OK, del: true };
      case 'insert':
        return { rc: OK };
      case 'arrayInsert':
        return path.charCodeAt(i - 1) !== 0x5d ? { rc: NOT_ARRAY } : { rc: OK, before: ins };
      default:
        return { rc: OK, node: overwrite(node, ins!) };
    }
  }
  const c = path.charCodeAt(i);
  if (c === 0x2e) {
    const key = parseKey(path, i);
    if (typeof key === 'number') return { rc: key };
    if (node.t !== JSONB_OBJECT) return { rc: NOT_FOUND };
    const kids = node.c!;
    for (let k = 0; k < kids.length; k += 2) {
      if (!labelMatches(key.key, key.raw, kids[k]!)) continue;
      if (depth + 1 >= JSON_MAX_DEPTH) return { rc: TOO_DEEP };
      const r = step(kids[k + 1]!, path, key.next, depth + 1, mode, ins);
      if (r.del) return { rc: r.rc, node: rebuilt(node, [...kids.slice(0, k), ...kids.slice(k + 2)]) };
      if (r.node) {
        const next = kids.slice();
        next[k + 1] = r.node;
        return { rc: r.rc, node: rebuilt(node, next) };
      }
      return { rc: r.rc };
    }
    if (mode === 'insert' || mode === 'set' || mode === 'arrayInsert') {
      if (mode === 'arrayInsert' && !path.slice(key.next).endsWith(']')) return { rc: NOT_ARRAY };
      const sub = substructure(path, key.next, mode, ins);
      if (isLookupError(sub.rc)) return { rc: sub.rc };
      const label = scalar(key.raw ? JSONB_TEXTRAW : JSONB_TEXT5, key.key);
      return { rc: sub.rc, node: rebuilt(node, [...kids, label, sub.node!]) };
    }
    return { rc: NOT_FOUND };
  }
  if (c === 0x5b) {
    if (node.t !== JSONB_ARRAY) return { rc: NOT_FOUND };
    const kids = node.c!;
    const idx = parseIndex(path, i, kids.length);
    if (typeof idx === 'number') return { rc: idx };
    if (idx.k < kids.length) {
      if (depth + 1 >= JSON_MAX_DEPTH) return { rc: TOO_DEEP };
      const r = step(kids[idx.k]!, path, idx.next, depth + 1, mode, ins);
      if (r.del) return { rc: r.rc, node: rebuilt(node, [...kids.slice(0, idx.k), ...kids.slice(idx.k + 1)]) };
      if (r.before) return { rc: r.rc, node: rebuilt(node, [...kids.slice(0, idx.k), r.before, ...kids.slice(idx.k)]) };
      if (r.node) {
        const next = kids.slice();
        next[idx.k] = r.node;
        return { rc: r.rc, node: rebuilt(node, next) };
      }
      return { rc: r.rc };
    }
    if (idx.k > kids.length) return { rc: NOT_FOUND };
    if (mode === 'insert' || mode === 'set' || mode === 'arrayInsert') {
      const sub = substructure(path, idx.next, mode, ins);
      if (isLookupError(sub.rc)) return { rc: sub.rc };
      return { rc: sub.rc, node: rebuilt(node, [...kids, sub.node!]) };
    }
    return { rc: NOT_FOUND };
  }
  return { rc: PATH_ERROR };
}

/** What json_set / json_insert put at a missing path: `ins` itself, or the objects and arrays the rest of the path names. */
function substructure(path: string, i: number, mode: EditMode, ins: JsonNode | undefined): { rc: number; node?: JsonNode } {
  if (i >= path.length) return { rc: OK, node: ins };
  const base = container(path.charCodeAt(i) === 0x2e ? JSONB_OBJECT : JSONB_ARRAY, []);
  const r = step(base, path, i, 0, mode, ins);
  if (isLookupError(r.rc)) return { rc: r.rc };
  return { rc: r.rc, node: r.node ?? base };
}

/** The text of `key` as a path step: `.key` when it is a letter then letters and digits, else `."key"` (jsonAppendPathName). */
export function pathStep(label: string): string {
  let plain = label.length > 0 && /^[A-Za-z]/.test(label);
  if (plain) {
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
        plain = false;
        break;
      }
    }
  }
  return plain ? `.${label}` : `."${label}"`;
}
