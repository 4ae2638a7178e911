// Command-line parsing on node:util's parseArgs (strict: unknown options are usage errors,
// exit code 2), plus the few value readers the commands share.
import { parseArgs } from 'node:util';
import { DoSQLError } from '../errors.js';
import { branch, lsn, snapshot, timestamp, type TimePoint } from '../sql/api/time-points.js';
import { usageError } from './io.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` (the words after the command name) against `options`, and checks the
 * positional count. Throws a usage error (exit 2) naming the first problem.
 */
export function parseCommand(command: string, argv: readonly string[], options: OptionSpec, positionals: { min: number; max: number }): ParsedCommand {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw usageError(command, e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e));
  }
  if (parsed.values.help === true) return { values: { help: true }, positionals: [] };
  const n = parsed.positionals.length;
  if (n < positionals.min) throw usageError(command, `${command}: missing argument${positionals.min - n > 1 ? 's' : ''}`);
  if (n > positionals.max) throw usageError(command, `${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

export function stringOpt(p: ParsedCommand, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolOpt(p: ParsedCommand, name: string): boolean {
  return p.values[name] === true;
}

/** A positive integer option (`--batch 5000`); usage error otherwise. */
export function intOpt(command: string, p: ParsedCommand, name: string, def: number): number {
  const v = stringOpt(p, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError(command, `--${name} needs a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** One of `choices` (`--format csv`); usage error otherwise. */
export function choiceOpt<T extends string>(command: string, p: ParsedCommand, name: string, choices: readonly T[], def: T): T {
  const v = stringOpt(p, name);
  if (v === undefined) return def;
  if (!(choices as readonly string[]).includes(v)) throw usageError(command, `--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`);
  return v as T;
}

/**
 * `--as-of` text to a time point: `lsn:N`, `ts:ISO-TIME` (or `timestamp:`), `snapshot:NAME`,
 * `branch:NAME`. A bare number is an LSN. Usage error for anything else.
 */
export function parseAsOf(command: string, text: string): TimePoint {
  const m = /^([a-z]+):(.*)$/s.exec(text);
  const kind = m ? m[1]! : /^\d+$/.test(text) ? 'lsn' : '';
  const rest = m ? m[2]! : text;
  try {
    switch (kind) {
      case 'lsn':
        if (!/^\d+$/.test(rest)) break;
        return lsn(Number(rest));
      case 'ts':
      case 'timestamp':
        return timestamp(rest);
      case 'snapshot':
        if (rest) return snapshot(rest);
        break;
      case 'branch':
        if (rest) return branch(rest);
        break;
    }
  } catch (e) {
    if (e instanceof DoSQLError) throw usageError(command, `--as-of ${text}: ${e.message}`);
    throw e;
  }
  throw usageError(command, `--as-of must be lsn:N, ts:ISO-TIME, snapshot:NAME or branch:NAME; got ${JSON.stringify(text)}`);
}

/** sqlite3's and duckdb's single-dash long options, and what they mean here. */
const SQLITE_STYLE: Readonly<Record<string, readonly string[]>> = {
  '-readonly': ['--readonly'],
  '-header': ['--header'],
  '-noheader': ['--noheader'],
  '-box': ['--format', 'box'],
  '-markdown': ['--format', 'markdown'],
  '-line': ['--format', 'line'],
  '-csv': ['--format', 'csv'],
  '-json': ['--format', 'json'],
  '-table': ['--format', 'table'],
};

/** `argv` with sqlite3-style options (`-readonly`, `-csv`, ...) spelled as this CLI's (`--readonly`, `--format csv`). */
export function sqliteStyleArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) out.push(...(SQLITE_STYLE[a] ?? [a]));
  return out;
}
