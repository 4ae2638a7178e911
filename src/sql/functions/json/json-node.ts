// The JSON value every json1 function works on: a tree with one node per element of SQLite's
// binary JSON (JSONB, https://sqlite.org/jsonb.html). Keeping JSONB's element kinds (an integer
// written in hex, a string with JSON5 escapes, ...) and its header sizes lets the text
// renderings, the jsonb_* blobs and json_each's `id` column (a byte offset into the JSONB) come
// out exactly as SQLite computes them, while the functions themselves walk a tree.
//
// Nodes are immutable once built (edits copy the path they change), so cached sizes stay valid.
import { utf8ByteLength } from '../../types/utf8.js';

// JSONB element types, the low 4 bits of an element's first byte. Persisted inside jsonb blobs
// users store: never renumber.
export const JSONB_NULL = 0;
export const JSONB_TRUE = 1;
export const JSONB_FALSE = 2;
/** An RFC 8259 integer literal. */
export const JSONB_INT = 3;
/** A JSON5 integer literal (hexadecimal). */
export const JSONB_INT5 = 4;
/** An RFC 8259 floating point literal. */
export const JSONB_FLOAT = 5;
/** A JSON5 floating point literal ('.5', '5.', '1.e3'). */
export const JSONB_FLOAT5 = 6;
/** A string with no escapes, valid in JSON and SQL alike. */
export const JSONB_TEXT = 7;
/** A string with RFC 8259 escapes. */
export const JSONB_TEXTJ = 8;
/** A string with JSON5 escapes or characters RFC 8259 forbids. */
export const JSONB_TEXT5 = 9;
/** SQL text that needs escaping to become JSON. */
export const JSONB_TEXTRAW = 10;
export const JSONB_ARRAY = 11;
/** Labels and values alternate; labels are one of the four string types. */
export const JSONB_OBJECT = 12;

/** json_type() names by element type. */
export const JSON_TYPE_NAMES: readonly string[] = ['null', 'true', 'false', 'integer', 'integer', 'real', 'real', 'text', 'text', 'text', 'text', 'array', 'object'];

/** Deepest nesting of arrays and objects SQLite accepts (JSON_MAX_DEPTH). */
export const JSON_MAX_DEPTH = 1000;

export interface JsonNode {
  /** Element type, JSONB_NULL .. JSONB_OBJECT. */
  readonly t: number;
  /** A scalar's payload as JSONB stores it (number text, string text with its escapes); '' otherwise. */
  readonly s: string;
  /** An array's elements, or an object's labels and values alternating; undefined for scalars. */
  readonly c: readonly JsonNode[] | undefined;
  /** Header bytes (1, 2, 3, 5 or 9) when not the shortest form; undefined when shortest. */
  readonly h: number | undefined;
  /** Cached payload size in bytes. */
  p: number;
}

export function scalar(t: number, s: string): JsonNode {
  return { t, s, c: undefined, h: undefined, p: -1 };
}

export function container(t: number, c: readonly JsonNode[]): JsonNode {
  return { t, s: '', c, h: undefined, p: -1 };
}

/** `n` with an explicit header size (undefined: the shortest). */
export function withHeader(n: JsonNode, h: number | undefined): JsonNode {
  return { t: n.t, s: n.s, c: n.c, h, p: n.p };
}

export const NULL_NODE: JsonNode = scalar(JSONB_NULL, '');
export const TRUE_NODE: JsonNode = scalar(JSONB_TRUE, '');
export const FALSE_NODE: JsonNode = scalar(JSONB_FALSE, '');

export function isContainer(n: JsonNode): boolean {
  return n.t >= JSONB_ARRAY;
}

export function isStringType(t: number): boolean {
  return t >= JSONB_TEXT && t <= JSONB_TEXTRAW;
}

/** Bytes of the element's payload. */
export function payloadSize(n: JsonNode): number {
  if (n.p >= 0) return n.p;
  let p = 0;
  if (n.c) {
    for (const k of n.c) p += nodeSize(k);
  } else p = utf8ByteLength(n.s);
  n.p = p;
  return p;
}

/** The shortest header for a payload of `p` bytes. */
export function shortestHeader(p: number): number {
  return p <= 11 ? 1 : p <= 0xff ? 2 : p <= 0xffff ? 3 : 5;
}

export function headerSize(n: JsonNode): number {
  return n.h ?? shortestHeader(payloadSize(n));
}

/** Bytes of the whole element, header and payload. */
export function nodeSize(n: JsonNode): number {
  return headerSize(n) + payloadSize(n);
}
