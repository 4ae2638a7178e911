// The streams and surroundings a CLI command runs with. `main()` uses the process's own;
// tests pass in-memory streams and a temporary home folder.
import { homedir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { DoSQLError } from '../errors.js';

export interface CliIO {
  /** Results (tables, JSON, CSV, Arrow bytes). */
  readonly stdout: Writable;
  /** Messages, progress bars and errors. */
  readonly stderr: Writable;
  /** The interactive shell's input. */
  readonly stdin: Readable;
  /** Folder relative paths resolve against. */
  readonly cwd: string;
  /** Home folder (the shell's fallback history file). */
  readonly home: string;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), home: homedir() };
}

/** Writes one line (adds the newline). */
export function println(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/** True when `stream` is a terminal (progress bars and the shell's prompt draw only there). */
export function isTTY(stream: Readable | Writable): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/**
 * A bad command line: exit code 2 and the command's usage text. Carried as an
 * INVALID_ARGUMENT DoSQLError whose `details.usage` names the command.
 */
export function usageError(command: string, message: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `cli: ${message}`, { details: { usage: command } });
}

export function isUsageError(e: unknown): e is DoSQLError {
  return e instanceof DoSQLError && typeof e.details.usage === 'string';
}
