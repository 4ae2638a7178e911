// Structured logging: one JSON object per event, silent unless a level is set (issue 22; the
// "debug mode" of seed 003's operations guide). A record is `{ ts, level, event, ...fields }`:
// `event` is a stable kebab-case name an operator can filter on ('open', 'flush', 'compaction',
// 'fenced', 'slow-statement', 'statement-error'), and fields are numbers and short strings
// (LSNs, bytes, ms, file counts, error codes). Where the level comes from is the edges'
// business: DB()'s `log` option, else DOSQL_LOG_LEVEL from process.env (src/node) or the
// Worker's env (src/worker). This module has no `node:` import: it loads in workerd.
import { DoSQLError } from '../errors.js';

/** Severities, most severe first (as syslog and pino order them); 'off' logs nothing. */
export const LOG_LEVELS = ['off', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One log line before serialisation. `ts` is an ISO 8601 UTC time. */
export interface LogRecord {
  ts: string;
  level: Exclude<LogLevel, 'off'>;
  event: string;
  [field: string]: unknown;
}

/** Where records go. It must not throw (a throwing sink is ignored, never breaks the caller). */
export type LogSink = (record: LogRecord) => void;

/** Fields of an event: numbers, strings, booleans (undefined fields are left out). */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  /** True when a record of `level` would be written (callers skip building costly fields). */
  enabled(level: Exclude<LogLevel, 'off'>): boolean;
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** The logger that writes nothing: the default everywhere. */
export const SILENT: Logger = {
  enabled: () => false,
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** JSON lines through console.log: what Workers' logs collect (Node's entry writes to stderr instead). */
export const consoleSink: LogSink = (r) => console.log(JSON.stringify(r));

/**
 * A logger writing records of `level` and more severe to `sink`; `now` gives the time in ms
 * (tests inject a clock). `level` 'off' (or SILENT) writes nothing.
 */
export function createLogger(level: LogLevel, sink: LogSink, now: () => number = Date.now): Logger {
  const max = RANK[level];
  if (max === 0) return SILENT;
  const write = (l: Exclude<LogLevel, 'off'>, event: string, fields?: LogFields): void => {
    if (RANK[l] > max) return;
    const r: LogRecord = { ts: new Date(now()).toISOString(), level: l, event };
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined && k !== 'ts' && k !== 'level' && k !== 'event') r[k] = v;
    try {
      sink(r);
    } catch {
      // Logging must never change what the database does.
    }
  };
  return {
    enabled: (l) => RANK[l] <= max,
    error: (e, f) => write('error', e, f),
    warn: (e, f) => write('warn', e, f),
    info: (e, f) => write('info', e, f),
    debug: (e, f) => write('debug', e, f),
  };
}

/** True for 'off', 'error', 'warn', 'info', 'debug' (case-sensitive, as written in the docs). */
export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}

/**
 * The level named by a setting such as DOSQL_LOG_LEVEL (surrounding spaces and case ignored;
 * '' or undefined: 'off'). Throws INVALID_ARGUMENT naming `setting` for anything else, so a
 * misspelt level fails the open rather than silently logging nothing.
 */
export function logLevelFrom(value: string | undefined, setting: string): LogLevel {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return 'off';
  if (isLogLevel(v)) return v;
  throw new DoSQLError('INVALID_ARGUMENT', `log: ${setting} must be one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(value!.slice(0, 40))}`, { details: { option: setting } });
}

/** The fields of an error worth logging: its code and message (DoSQLError) or its name and message. */
export function errorFields(e: unknown): LogFields {
  if (e instanceof DoSQLError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: e.name, message: e.message };
  return { code: 'UNKNOWN', message: String(e) };
}
