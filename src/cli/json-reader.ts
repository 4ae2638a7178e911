// Incremental readers of JSON rows: a top-level JSON array of objects (`[{...}, {...}]`)
// and newline-delimited JSON (one object per line). Both are fed text in chunks of any
// size and return whole objects, so a file never has to fit in memory as one string.
//
// The array reader cuts the text at the array's top-level commas (tracking string, escape
// and nesting state) and hands each element to JSON.parse; numbers follow JSON.parse
// (integers beyond 2^53 lose precision).
import { DoSQLError } from '../errors.js';

/** One row as read: the object's own keys and values. */
export type JsonRow = Record<string, unknown>;

function asRow(v: unknown, where: string): JsonRow {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new DoSQLError('INVALID_ARGUMENT', `json: ${where}: expected an object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  }
  return v as JsonRow;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `json: ${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Reads `[obj, obj, ...]` incrementally. */
export class JsonArrayReader {
  /** Text of the element being read, from earlier chunks. */
  private pending = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** 0: before '[', 1: inside the array, 2: after ']'. */
  private phase = 0;
  private index = 0;

  push(text: string, out: JsonRow[] = []): JsonRow[] {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.phase === 0) {
        if (isSpace(c) || c === 0xfeff) continue;
        if (c !== 0x5b) throw new DoSQLError('INVALID_ARGUMENT', `json: expected '[' at the start of a JSON array file, got ${JSON.stringify(text[i])}`);
        this.phase = 1;
        start = i + 1;
        continue;
      }
      if (this.phase === 2) {
        if (!isSpace(c)) throw new DoSQLError('INVALID_ARGUMENT', `json: text after the end of the array: ${JSON.stringify(text.slice(i, i + 20))}`);
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (this.depth === 0 && c === 0x5d) {
          this.element(this.pending + text.slice(start, i), out, true);
          this.pending = '';
          this.phase = 2;
          continue;
        }
        this.depth--;
      } else if (c === 0x2c && this.depth === 0) {
        this.element(this.pending + text.slice(start, i), out, false);
        this.pending = '';
        start = i + 1;
      }
    }
    if (this.phase === 1) this.pending += text.slice(start);
    return out;
  }

  end(): void {
    if (this.phase !== 2) throw new DoSQLError('INVALID_ARGUMENT', `json: the file ends inside the array (after element ${this.index})`);
  }

  private element(text: string, out: JsonRow[], last: boolean): void {
    // `[]` and a trailing `]` after whitespace hold no element.
    if (last && this.index === 0 && text.trim() === '') return;
    this.index++;
    out.push(asRow(parseJson(text, `array element ${this.index}`), `array element ${this.index}`));
  }
}

/** Reads newline-delimited JSON incrementally; blank lines are skipped. */
export class NdjsonReader {
  private pending = '';
  private line = 0;

  push(text: string, out: JsonRow[] = []): JsonRow[] {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.lineDone(this.pending + text.slice(start, nl), out);
      this.pending = '';
      start = nl + 1;
    }
    this.pending += text.slice(start);
    return out;
  }

  end(out: JsonRow[] = []): JsonRow[] {
    if (this.pending !== '') this.lineDone(this.pending, out);
    this.pending = '';
    return out;
  }

  private lineDone(raw: string, out: JsonRow[]): void {
    this.line++;
    const t = raw.charCodeAt(0) === 0xfeff ? raw.slice(1).trim() : raw.trim();
    if (t === '') return;
    out.push(asRow(parseJson(t, `line ${this.line}`), `line ${this.line}`));
  }
}
