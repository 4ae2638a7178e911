// Parser for sqllogictest scripts (format: /work/shared/slt/README.md, from SQLite's
// sqllogictest, https://sqlite.org/sqllogictest/doc/trunk/about.wiki).
//
//   file      := (blank | comment | record)*
//   record    := condition* (statement | query | "hash-threshold N" | "halt")
//   condition := ("skipif" | "onlyif") engine [# comment]
//   statement := "statement" ("ok" | "error") NL sql-line+            ended by a blank line
//   query     := "query" types [sort] [label] NL sql-line+ ["----" NL result-line*]
//
// Lines end in LF or CRLF. Comment lines ('#') are only recognised between records.
import { DoSQLError } from '../../src/errors.js';

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';

export interface Condition {
  readonly kind: 'skipif' | 'onlyif';
  readonly engine: string;
}

interface RecordBase {
  /** 1-based line of the record's first line (after its conditions). */
  readonly line: number;
  readonly conditions: readonly Condition[];
}

export interface StatementRecord extends RecordBase {
  readonly kind: 'statement';
  readonly expectError: boolean;
  readonly sql: string;
}

export interface QueryRecord extends RecordBase {
  readonly kind: 'query';
  /** One letter per column: I, R or T. */
  readonly types: string;
  readonly sort: SortMode;
  readonly label?: string;
  readonly sql: string;
  /** Expected lines after "----"; undefined when the record has no "----" (run, do not check). */
  readonly expected?: readonly string[];
}

export interface HashThresholdRecord extends RecordBase {
  readonly kind: 'hashThreshold';
  readonly threshold: number;
}

export interface HaltRecord extends RecordBase {
  readonly kind: 'halt';
}

/** A record this runner does not know (e.g. another dialect's "loop"); counted as skipped. */
export interface UnknownRecord extends RecordBase {
  readonly kind: 'unknown';
  readonly text: string;
}

export type SltRecord = StatementRecord | QueryRecord | HashThresholdRecord | HaltRecord | UnknownRecord;

const SORT_MODES: ReadonlySet<string> = new Set(['nosort', 'rowsort', 'valuesort']);

/**
 * Parses a whole script into records, in file order. Throws `INVALID_ARGUMENT` naming
 * `path:line` for a malformed header (bad statement mode, missing types, bad threshold).
 */
export function parseSlt(text: string, path = '<input>'): SltRecord[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  const records: SltRecord[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new DoSQLError('INVALID_ARGUMENT', `slt: ${path}:${i + 1}: ${what}`, { details: { path, line: i + 1 } });
  };
  /** Lines from i up to the next blank line (or `stop`), advancing i past them. */
  const block = (stop?: string): string[] => {
    const out: string[] = [];
    while (i < lines.length && lines[i] !== '' && lines[i] !== stop) out.push(lines[i++]!);
    return out;
  };

  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.startsWith('#')) {
      i++;
      continue;
    }
    const conditions: Condition[] = [];
    let words = headerWords(raw);
    while ((words[0] === 'skipif' || words[0] === 'onlyif') && i < lines.length) {
      if (words[1] === undefined) fail(`${words[0]} without an engine name`);
      conditions.push({ kind: words[0], engine: words[1]! });
      i++;
      words = headerWords(lines[i] ?? '');
    }
    const line = i + 1;
    switch (words[0]) {
      case 'statement': {
        const mode = words[1];
        if (mode !== 'ok' && mode !== 'error') fail(`expected "statement ok" or "statement error", got "${lines[i]}"`);
        i++;
        records.push({ kind: 'statement', line, conditions, expectError: mode === 'error', sql: block().join('\n') });
        break;
      }
      case 'query': {
        const types = words[1];
        if (types === undefined || !/^[A-Z]+$/.test(types)) fail(`query without column types: "${lines[i]}"`);
        let sort: SortMode = 'nosort';
        let next = 2;
        if (words[2] !== undefined && SORT_MODES.has(words[2])) {
          sort = words[2] as SortMode;
          next = 3;
        }
        const label = words[next];
        i++;
        const sql = block('----').join('\n');
        let expected: string[] | undefined;
        if (lines[i] === '----') {
          i++;
          expected = block();
        }
        records.push({ kind: 'query', line, conditions, types: types!, sort, ...(label === undefined ? {} : { label }), sql, ...(expected === undefined ? {} : { expected }) });
        break;
      }
      case 'hash-threshold': {
        const n = Number(words[1]);
        if (!Number.isInteger(n) || n < 0) fail(`bad hash-threshold "${lines[i]}"`);
        i++;
        records.push({ kind: 'hashThreshold', line, conditions, threshold: n });
        break;
      }
      case 'halt':
        i++;
        records.push({ kind: 'halt', line, conditions });
        break;
      default: {
        const text = block().join('\n');
        records.push({ kind: 'unknown', line, conditions, text });
      }
    }
  }
  return records;
}

/** Header words before any trailing "# comment". */
function headerWords(line: string): string[] {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  return body.trim().split(/\s+/).filter((w) => w !== '');
}

/** Whether a record's skipif/onlyif lines let it run on `engine` (sqllogictest's rule: all must agree). */
export function conditionsAllow(conditions: readonly Condition[], engine: string): boolean {
  for (const c of conditions) {
    if (c.kind === 'skipif' && c.engine === engine) return false;
    if (c.kind === 'onlyif' && c.engine !== engine) return false;
  }
  return true;
}
