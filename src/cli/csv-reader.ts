// An incremental CSV reader following RFC 4180, fed text in chunks of any size:
//
//   file   = [header CRLF] record *(CRLF record) [CRLF]
//   field  = escaped / non-escaped
//   escaped = DQUOTE *(TEXTDATA / COMMA / CR / LF / 2DQUOTE) DQUOTE
//
// Beyond the RFC, as most readers do: LF and lone CR end records too, the delimiter is
// configurable (TAB for TSV), a leading byte-order mark is dropped, empty lines are
// skipped, and a quote inside an unquoted field is kept as a character. An unquoted empty
// field reads as null (SQL NULL) and a quoted one ("") as the empty string, as PostgreSQL's
// COPY does (DuckDB with allow_quoted_nulls = false). Text after a closing quote, and a
// quote left open at the end, are errors naming the line.
import { DoSQLError } from '../errors.js';

/** One record's fields: strings, or null for an unquoted empty field. */
export type CsvRecord = (string | null)[];

export interface CsvOptions {
  /** One character (default ','). */
  delimiter?: string;
}

const enum State {
  /** At the start of a field. */
  FieldStart,
  /** Inside an unquoted field. */
  Unquoted,
  /** Inside a quoted field. */
  Quoted,
  /** Just read a quote inside a quoted field: an escaped quote or the end of the field. */
  QuoteInQuoted,
  /** Just ended a record with CR: a following LF belongs to it. */
  AfterCr,
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Push text with `push()`, collect finished records from its result, and call `end()` at
 * the end of the input for the last record. Records keep the order of the input.
 */
export class CsvReader {
  private readonly delim: number;
  private state = State.FieldStart;
  /** The current field's text from earlier chunks and escaped quotes. */
  private field = '';
  private quoted = false;
  private record: CsvRecord = [];
  private started = false;
  /** Line of the input being read (1-based) and the line the current record began on. */
  private line = 1;
  private recordLine = 1;

  constructor(options: CsvOptions = {}) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new DoSQLError('INVALID_ARGUMENT', `csv: the delimiter must be one character other than a quote or newline, got ${JSON.stringify(d)}`);
    }
    this.delim = d.charCodeAt(0);
  }

  /** The 1-based line the reader has reached (for messages). */
  get currentLine(): number {
    return this.line;
  }

  /** Reads `text`, appending every record it completes to `out` (returned). */
  push(text: string, out: CsvRecord[] = []): CsvRecord[] {
    let i = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    let seg = i;
    const n = text.length;
    const delim = this.delim;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.state === State.AfterCr) {
        // CR LF is one line end; any other character after a lone CR starts the next record.
        this.state = State.FieldStart;
        if (c === LF) {
          seg = i + 1;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.quoted = true;
            seg = i + 1;
          } else if (c === delim) {
            this.endField('');
            seg = i + 1;
          } else if (c === LF || c === CR) {
            // An empty line is skipped; a line ending right after a delimiter ends with an empty field.
            if (this.record.length > 0) {
              this.endField('');
              out.push(this.endRecord());
            } else this.recordLine = this.line + 1;
            this.newline(c);
            seg = i + 1;
          } else {
            this.state = State.Unquoted;
            seg = i;
          }
          break;
        case State.Unquoted:
          if (c === delim) {
            this.endField(text.slice(seg, i));
            this.state = State.FieldStart;
            seg = i + 1;
          } else if (c === LF || c === CR) {
            this.endField(text.slice(seg, i));
            out.push(this.endRecord());
            this.newline(c);
            seg = i + 1;
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            this.field += text.slice(seg, i);
            this.state = State.QuoteInQuoted;
          } else if (c === LF) this.line++;
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            seg = i + 1;
          } else if (c === delim) {
            this.endField('');
            this.state = State.FieldStart;
            seg = i + 1;
          } else if (c === LF || c === CR) {
            this.endField('');
            out.push(this.endRecord());
            this.newline(c);
            seg = i + 1;
          } else {
            throw new DoSQLError('INVALID_ARGUMENT', `csv: line ${this.line}: ${JSON.stringify(text[i])} after the closing quote of a field (a quote inside a quoted field is written "")`, {
              details: { line: this.line },
            });
          }
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.field += text.slice(seg, n);
    return out;
  }

  /** Ends the input: returns the last record if the text did not end with a newline. */
  end(out: CsvRecord[] = []): CsvRecord[] {
    switch (this.state) {
      case State.Quoted:
        throw new DoSQLError('INVALID_ARGUMENT', `csv: line ${this.recordLine}: a quoted field is not closed before the end of the file`, { details: { line: this.recordLine } });
      case State.Unquoted:
      case State.QuoteInQuoted:
        this.endField('');
        out.push(this.endRecord());
        break;
      case State.FieldStart:
        if (this.record.length > 0) {
          this.endField('');
          out.push(this.endRecord());
        }
        break;
      default:
        break;
    }
    this.state = State.FieldStart;
    return out;
  }

  /** Appends the field whose last piece is `tail`. */
  private endField(tail: string): void {
    const text = this.field + tail;
    this.record.push(text === '' && !this.quoted ? null : text);
    this.field = '';
    this.quoted = false;
  }

  private endRecord(): CsvRecord {
    const r = this.record;
    this.record = [];
    this.recordLine = this.line + 1;
    return r;
  }

  private newline(c: number): void {
    this.line++;
    this.state = c === CR ? State.AfterCr : State.FieldStart;
  }
}

/** Parses a whole text (tests, small inputs). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const r = new CsvReader(options);
  return r.end(r.push(text));
}
