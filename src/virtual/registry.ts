// Seed 000's registry of URL-backed virtual tables (dosql/virtual):
//
//   const registry = createVirtualTableRegistry();
//   registry.register('github_repos', createURLVirtualTable({ url: 'https://api.github.com/users/{owner}/repos', format: 'json', urlParams: ['owner'], transform, cache: { ttl: 300000 } }));
//   await db.query("SELECT name FROM github_repos('octocat') WHERE stars > 100");
//
// A registered name is called in FROM like a table-valued function; its arguments fill the
// URL's `{param}` placeholders (URL-encoded) in `urlParams` order and must be constants
// (literals or parameters): the table is fetched before the statement is planned, since its
// columns are those of the fetched rows. Registries are process-wide: every database of the
// process sees the names of every registry (the seed's code links none to a database);
// a name registered twice, in one registry or two, is the last registration's.
import { DoSQLError } from '../errors.js';
import type { TableFunction } from '../sql/functions/table-functions.js';
import type { ExternalHost, ExternalRequest } from '../sql/planner/external-tables.js';
import type { SqlValue } from '../sql/types/value.js';
import { fetchBounded } from './byte-source.js';
import { resolveLocation } from './external-table.js';
import { formatOf, type ExternalFormat } from './location.js';
import { readOptions } from './options.js';
import { rowsTable } from './rows-table.js';
import { jsonObjects, parseCsv, parseJson, parseNdjson, utf8Text, type ParsedTable } from './text-formats.js';

export interface URLVirtualTableOptions {
  /** `https://…`, `r2://bucket/key`, or a local path; `{name}` placeholders are filled from the call's arguments. */
  readonly url: string;
  /** Default: from the URL's extension. */
  readonly format?: ExternalFormat;
  /** Placeholder names, in the order the call's arguments fill them. */
  readonly urlParams?: readonly string[];
  /** JSON only: maps the parsed document to the rows (objects). */
  readonly transform?: (data: unknown) => readonly Record<string, unknown>[];
  /** Keep a fetched table this long, ms, per filled URL (default: fetch on every statement). */
  readonly cache?: { readonly ttl: number };
  /** HTTP request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** CSV/TSV: first line is the header (default true), field delimiter and quote. */
  readonly csv?: { readonly header?: boolean; readonly delimiter?: string; readonly quote?: string };
  /** Bounds lowered below the database's (docs/external-tables.md "Limits"). */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

/** A table created by createURLVirtualTable; register it under a name. */
export interface URLVirtualTable {
  readonly kind: 'url';
  readonly options: URLVirtualTableOptions;
}

export interface VirtualTableRegistry {
  /** Registers `table` as `name` (case-insensitive); returns the registry. INVALID_ARGUMENT for a name that is not an identifier. */
  register(name: string, table: URLVirtualTable): VirtualTableRegistry;
  /** Removes `name`; false when it was not registered here. */
  unregister(name: string): boolean;
  has(name: string): boolean;
  /** Registered names, lower-case, sorted. */
  names(): string[];
}

/** Checks the options and returns the table (INVALID_ARGUMENT naming a bad option). */
export function createURLVirtualTable(options: URLVirtualTableOptions): URLVirtualTable {
  if (options === null || typeof options !== 'object' || typeof options.url !== 'string' || options.url === '') {
    throw new DoSQLError('INVALID_ARGUMENT', 'virtual: createURLVirtualTable needs { url: string }');
  }
  const known = ['url', 'format', 'urlParams', 'transform', 'cache', 'headers', 'bearerToken', 'csv', 'maxBytes', 'timeoutMs'];
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new DoSQLError('INVALID_ARGUMENT', `virtual: createURLVirtualTable: unknown option ${k} (known: ${known.join(', ')})`);
  if (options.transform !== undefined && typeof options.transform !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'virtual: createURLVirtualTable: transform must be a function');
  if (options.cache !== undefined && !(typeof options.cache?.ttl === 'number' && options.cache.ttl >= 0)) throw new DoSQLError('INVALID_ARGUMENT', 'virtual: createURLVirtualTable: cache.ttl must be a number of milliseconds');
  for (const p of options.urlParams ?? []) {
    if (!options.url.includes(`{${p}}`)) throw new DoSQLError('INVALID_ARGUMENT', `virtual: createURLVirtualTable: urlParams names {${p}}, which the url does not contain`);
  }
  formatOf(options.url.replace(/\{[^}]*\}/g, 'x'), options.format);
  return { kind: 'url', options };
}

const registries = new Set<Map<string, URLVirtualTable>>();

/** The table registered as `name` in any registry (the most recent registration wins). */
function lookup(name: string): URLVirtualTable | undefined {
  let found: URLVirtualTable | undefined;
  for (const r of registries) found = r.get(name.toLowerCase()) ?? found;
  return found;
}

export function createVirtualTableRegistry(): VirtualTableRegistry {
  const tables = new Map<string, URLVirtualTable>();
  registries.add(tables);
  const registry: VirtualTableRegistry = {
    register(name, table) {
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DoSQLError('INVALID_ARGUMENT', `virtual: register: '${String(name)}' is not an identifier`);
      if (table?.kind !== 'url') throw new DoSQLError('INVALID_ARGUMENT', 'virtual: register: the table must come from createURLVirtualTable');
      // Re-inserting moves the registry last, so its registration wins in lookup().
      registries.delete(tables);
      registries.add(tables);
      tables.set(name.toLowerCase(), table);
      return registry;
    },
    unregister: (name) => tables.delete(name.toLowerCase()),
    has: (name) => tables.has(name.toLowerCase()),
    names: () => [...tables.keys()].sort(),
  };
  return registry;
}

/** Whether `name` is a registered URL table. */
export function claimsName(name: string): boolean {
  return lookup(name) !== undefined;
}

const cache = new Map<string, { until: number; table: ParsedTable }>();

/** The rows of a call of registered table `req.location` with `req.args`. */
export async function resolveRegistered(req: ExternalRequest, host: ExternalHost): Promise<TableFunction> {
  const t = lookup(req.location)!;
  const o = t.options;
  const params = o.urlParams ?? [];
  if (req.args.length > params.length) throw new DoSQLError('SQL_ERROR', `sql: too many arguments on ${req.location}() - max ${params.length}`);
  let url = o.url;
  params.forEach((p, i) => {
    const v = req.args[i];
    if (v === undefined || v === null) throw new DoSQLError('SQL_ERROR', `sql: ${req.location}(): argument ${i + 1} (${p}) is missing or NULL`);
    url = url.split(`{${p}}`).join(encodeURIComponent(v instanceof Uint8Array ? '' : String(v)));
  });
  const format = formatOf(url.replace(/\{[^}]*\}/g, 'x'), o.format);
  if (!/^https?:/i.test(url)) {
    // Files and r2:// objects read as `FROM 'location'` does.
    const options = new Map<string, SqlValue>([['format', format]]);
    if (o.csv?.header !== undefined) options.set('header', o.csv.header ? 1n : 0n);
    if (o.csv?.delimiter !== undefined) options.set('delimiter', o.csv.delimiter);
    if (o.csv?.quote !== undefined) options.set('quote', o.csv.quote);
    return resolveLocation({ ...req, location: url, options, args: [] }, host);
  }
  const now = Date.now();
  const hit = cache.get(url);
  let table: ParsedTable;
  if (hit && hit.until > now && o.cache) table = hit.table;
  else {
    const options = new Map<string, SqlValue>();
    if (o.maxBytes !== undefined) options.set('max_bytes', o.maxBytes);
    if (o.timeoutMs !== undefined) options.set('timeout_ms', o.timeoutMs);
    const bounds = readOptions(url, options, host, () => format).bounds;
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.bearerToken !== undefined) headers.authorization = `Bearer ${o.bearerToken}`;
    const { body } = await fetchBounded(url, host, bounds, headers);
    const text = utf8Text(body, url);
    if (format === 'json' && o.transform) {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new DoSQLError('INVALID_ARGUMENT', `external: cannot parse ${url} as JSON: ${(e as Error).message}`, { cause: e, details: { location: url } });
      }
      const rows = o.transform(doc);
      if (!Array.isArray(rows)) throw new DoSQLError('INVALID_ARGUMENT', `virtual: ${req.location}: transform must return an array of objects`);
      table = jsonObjects(rows);
    } else if (format === 'json') table = parseJson(text, url);
    else if (format === 'ndjson') table = parseNdjson(text, url);
    else if (format === 'csv' || format === 'tsv') {
      const d = format === 'tsv' ? '\t' : ',';
      table = parseCsv(text, url, { header: o.csv?.header ?? true, delimiter: o.csv?.delimiter ?? d, quote: o.csv?.quote ?? '"', escape: '"' });
    } else throw new DoSQLError('NOT_SUPPORTED', `virtual: ${req.location}: Parquet over HTTP in a registered table: use FROM '${url}'`);
    if (o.cache && o.cache.ttl > 0) cache.set(url, { until: now + o.cache.ttl, table });
  }
  const rows = table.rows;
  return rowsTable(
    req.location.toLowerCase(),
    table.columns.map((name, i) => ({ name, affinity: table.affinities[i]! })),
    async function* () {
      yield rows;
    },
  );
}
