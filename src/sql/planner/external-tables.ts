// The hook through which external tables reach the planner (docs/external-tables.md). SQL knows
// no file format or transport: a layer above (src/virtual) registers an ExternalResolver, and
// the session calls it before planning a statement that has external references — a string
// location in FROM (`FROM 'r2://b/*.parquet'`) or a call of a table the resolver claims
// (`FROM github_repos('octocat')`). Resolution is asynchronous (it lists files and reads
// footers or whole text files); planning then sees each reference as a table-valued function
// with known columns (plan-from.ts). Nothing is cached across statements: every execution
// lists and reads again, so an external table is always read as it is now (no AS OF).
import type { ObjectStore } from '../../storage/object-store.js';
import type { TableFunction } from '../functions/table-functions.js';
import type { TableFunctionRef } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';

/** Local files, injected by the Node entry (src/node/local-files.ts); absent on Workers. */
export interface LocalFiles {
  /** Size in bytes of the regular file at `path`, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  /** Bytes [start, end) of the file at `path`. */
  read(path: string, start: number, end: number): Promise<Uint8Array>;
  /** Paths of the regular files under folder `dir`, recursively, as `dir` + '/' + relative path. */
  list(dir: string): Promise<string[]>;
  /** `path` made absolute (relative paths are relative to the process's working folder). */
  resolve(path: string): string;
}

/**
 * What a database lends its external tables (DatabaseOptions.external): where `r2://` and
 * `file:` locations are read, the fetch used for `http(s):`, and the bounds on every read.
 */
export interface ExternalHost {
  /** The store for `r2://<bucket>/...`: named buckets first, else the database's cold bucket. */
  readonly buckets?: Readonly<Record<string, ObjectStore>>;
  /** The cold tier's bucket (its root, not the database's folder), used for any bucket name not in `buckets`. */
  readonly coldBucket?: ObjectStore;
  readonly files?: LocalFiles;
  /** Default: globalThis.fetch. */
  readonly fetch?: typeof fetch;
  /** Most bytes one external file may have (default 256 MiB; Parquet reads only what it needs). */
  readonly maxBytes?: number;
  /** Most time one HTTP request may take, ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Most files one glob may match (default 10 000). */
  readonly maxFiles?: number;
}

/** A WHERE conjunct on one column of an external table, with its values bound. */
export interface ExternalPredicate {
  /** Lower-case column name. */
  readonly column: string;
  readonly op: '=' | '<' | '<=' | '>' | '>=' | 'in';
  /** One value, or the list of an IN. */
  readonly values: readonly SqlValue[];
}

/** One external reference of a statement, with what the statement needs from it. */
export interface ExternalRequest {
  readonly ref: TableFunctionRef;
  /** The location string, or the called name (registered tables). */
  readonly location: string;
  /** `WITH (...)` options by lower-case name, evaluated. */
  readonly options: ReadonlyMap<string, SqlValue>;
  /** Call arguments (registered tables), evaluated. */
  readonly args: readonly SqlValue[];
  /** Lower-case names of the columns the statement may read; undefined: all (a `*`, NATURAL). */
  readonly columns: ReadonlySet<string> | undefined;
  /** Conjuncts of the WHERE over the reference; a reader may skip what cannot match them, never more. */
  readonly predicates: readonly ExternalPredicate[];
}

export interface ExternalResolver {
  /** Whether a table-valued function call of `name` is one of the resolver's tables. */
  claims(name: string): boolean;
  /** One TableFunction per request (map keyed by request.ref). Errors are DoSQLErrors naming the location. */
  resolve(requests: readonly ExternalRequest[], host: ExternalHost): Promise<Map<TableFunctionRef, TableFunction>>;
}

let resolver: ExternalResolver | undefined;

/** Installs the resolver (loading src/virtual does; a second registration replaces the first). */
export function registerExternalResolver(r: ExternalResolver): void {
  resolver = r;
}

export function externalResolver(): ExternalResolver | undefined {
  return resolver;
}
