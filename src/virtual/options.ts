// The `WITH (...)` options of an external table (docs/external-tables.md), checked: an unknown
// name or a value of the wrong type is INVALID_ARGUMENT naming it. The seeds' spellings are
// accepted beside the documented ones (`headers = true` for `header`, `auth = 'bearer', token
// = '…'` for `bearer_token`). `http_headers` would collide with CSV's header option if it were
// called `headers`, hence the prefix.
import { DoSQLError } from '../errors.js';
import type { ExternalHost } from '../sql/planner/external-tables.js';
import type { SqlValue } from '../sql/types/value.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, DEFAULT_TIMEOUT_MS, type ReadBounds } from './byte-source.js';
import type { CsvOptions } from './text-formats.js';

export interface ExternalOptions {
  readonly format: string | undefined;
  readonly csv: CsvOptions;
  /** undefined: detect from the paths (any `key=value/` folder). */
  readonly hivePartitioning: boolean | undefined;
  readonly bounds: ReadBounds;
}

const KNOWN = ['format', 'header', 'headers', 'delimiter', 'delim', 'sep', 'quote', 'escape', 'encoding', 'hive_partitioning', 'http_headers', 'bearer_token', 'auth', 'token', 'max_bytes', 'timeout_ms', 'max_files'];

function bad(location: string, name: string, what: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `external: ${location}: option ${name} ${what}`, { details: { location, option: name } });
}

function text(location: string, name: string, v: SqlValue): string {
  if (typeof v !== 'string') throw bad(location, name, 'must be a string');
  return v;
}

function bool(location: string, name: string, v: SqlValue): boolean {
  if (v === 1n || v === 0n) return v === 1n;
  if (typeof v === 'string' && /^(?:true|false|1|0|on|off|yes|no)$/i.test(v)) return /^(?:true|1|on|yes)$/i.test(v);
  throw bad(location, name, 'must be true or false');
}

function positive(location: string, name: string, v: SqlValue): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw bad(location, name, 'must be a positive number');
  return n;
}

function char(location: string, name: string, v: SqlValue): string {
  const s = text(location, name, v);
  const unescaped = s === '\\t' ? '\t' : s;
  if ([...unescaped].length !== 1) throw bad(location, name, 'must be one character');
  return unescaped;
}

/** Checks and reads `options`; `format` is the file format they apply to (CSV defaults differ for TSV). */
export function readOptions(location: string, options: ReadonlyMap<string, SqlValue>, host: ExternalHost, defaultFormat: () => string): ExternalOptions {
  for (const k of options.keys()) if (!KNOWN.includes(k)) throw bad(location, k, `is unknown (known: ${KNOWN.join(', ')})`);
  const get = (...names: string[]): [string, SqlValue] | undefined => {
    for (const n of names) if (options.has(n)) return [n, options.get(n)!];
    return undefined;
  };
  const format = get('format');
  const formatName = format ? text(location, 'format', format[1]) : undefined;
  const isTsv = (formatName ?? defaultFormat()).toLowerCase() === 'tsv';
  const header = get('header', 'headers');
  const delim = get('delimiter', 'delim', 'sep');
  const quote = get('quote');
  const escape = get('escape');
  const encoding = get('encoding');
  if (encoding && !/^utf-?8$/i.test(text(location, 'encoding', encoding[1]))) throw bad(location, 'encoding', "must be 'utf-8' (the only encoding read)");
  const hive = get('hive_partitioning');
  const headers: Record<string, string> = {};
  const hh = get('http_headers');
  if (hh) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text(location, 'http_headers', hh[1]));
    } catch {
      throw bad(location, 'http_headers', 'must be a JSON object of header names to values');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((x) => typeof x === 'string')) {
      throw bad(location, 'http_headers', 'must be a JSON object of header names to string values');
    }
    Object.assign(headers, parsed);
  }
  const auth = get('auth');
  if (auth && text(location, 'auth', auth[1]).toLowerCase() !== 'bearer') throw bad(location, 'auth', "must be 'bearer'");
  const token = get('bearer_token', 'token');
  if (token) headers.authorization = `Bearer ${text(location, token[0], token[1])}`;
  const lower = (name: string, hostValue: number | undefined, dflt: number): number => {
    const cap = hostValue ?? dflt;
    const o = get(name);
    return o ? Math.min(cap, positive(location, name, o[1])) : cap;
  };
  return {
    format: formatName,
    csv: {
      header: header ? bool(location, header[0], header[1]) : true,
      delimiter: delim ? char(location, delim[0], delim[1]) : isTsv ? '\t' : ',',
      quote: quote ? char(location, 'quote', quote[1]) : '"',
      escape: escape ? char(location, 'escape', escape[1]) : '"',
    },
    hivePartitioning: hive ? bool(location, 'hive_partitioning', hive[1]) : undefined,
    bounds: {
      maxBytes: lower('max_bytes', host.maxBytes, DEFAULT_MAX_BYTES),
      timeoutMs: lower('timeout_ms', host.timeoutMs, DEFAULT_TIMEOUT_MS),
      maxFiles: lower('max_files', host.maxFiles, DEFAULT_MAX_FILES),
      headers,
    },
  };
}
