// The external-table resolver (sql/planner/external-tables.ts): for each `FROM 'location'` of
// a statement, lists the files, prunes Hive partitions by the WHERE conjuncts, reads the
// schema (a Parquet footer, or the whole text file), and returns the scan. Parquet is read at
// scan time, row group by row group, only the referenced columns of the row groups the
// statistics keep; CSV/TSV/JSON/NDJSON are parsed whole here (bounded by max_bytes).
//
// Several files (a glob) form one table: columns are matched by name; the first file's
// columns come first, then those only later files have, then the Hive partition keys (as
// DuckDB's read_parquet(..., union_by_name = true, hive_partitioning = true) orders them). A
// key that is also a file column takes the path's value, the one partition pruning decided on.
import { DoSQLError } from '../errors.js';
import type { TableFunction } from '../sql/functions/table-functions.js';
import type { ExternalHost, ExternalRequest } from '../sql/planner/external-tables.js';
import type { Affinity } from '../sql/types/affinity.js';
import type { SqlValue } from '../sql/types/value.js';
import { listFiles, readAll, type ByteSource } from './byte-source.js';
import { hivePartitions } from './glob.js';
import { formatOf, parseLocation, type ExternalFormat } from './location.js';
import { readOptions } from './options.js';
import { openParquetFile, readRowGroup, selectRowGroups, type OpenedParquetFile } from './parquet-file.js';
import { valueMayMatch } from './pruning.js';
import { countStats } from './read-stats.js';
import { rowsTable } from './rows-table.js';
import { parseCsv, parseJson, parseNdjson, utf8Text, type ParsedTable } from './text-formats.js';

interface Column {
  readonly name: string;
  readonly affinity: Affinity;
}

interface Listed {
  readonly path: string;
  readonly open: () => Promise<ByteSource>;
  /** Hive partition values, by lower-case key. */
  readonly partition: ReadonlyMap<string, SqlValue>;
}

const INT = /^[+-]?\d{1,18}$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Resolves one external reference (a string location in FROM). */
export async function resolveLocation(req: ExternalRequest, host: ExternalHost): Promise<TableFunction> {
  const location = req.location;
  const loc = parseLocation(location);
  const opts = readOptions(location, req.options, host, () => {
    try {
      return formatOf(location, undefined);
    } catch {
      return 'csv';
    }
  });
  const format = formatOf(location, opts.format);
  const files = await listFiles(loc, location, host, opts.bounds);
  if (!files.length) throw new DoSQLError('NOT_FOUND', `external: no file matches ${location}`, { details: { location } });

  // Hive partitions: keys become columns typed over every listed file (INTEGER, REAL or TEXT).
  const parts = files.map((f) => hivePartitions(f.path));
  const hive = opts.hivePartitioning ?? parts.some((p) => p.length > 0);
  const keys: string[] = [];
  if (hive) for (const p of parts) for (const [k] of p) if (!keys.some((x) => x.toLowerCase() === k.toLowerCase())) keys.push(k);
  const keyAffinity = new Map<string, Affinity>();
  for (const k of keys) {
    const vs = parts.map((p) => p.find(([x]) => x.toLowerCase() === k.toLowerCase())?.[1] ?? null).filter((v): v is string => v !== null);
    keyAffinity.set(k.toLowerCase(), vs.every((v) => INT.test(v)) ? 'INTEGER' : vs.every((v) => REAL.test(v)) ? 'REAL' : 'TEXT');
  }
  const typed = (k: string, v: string | null): SqlValue => {
    if (v === null) return null;
    const a = keyAffinity.get(k.toLowerCase());
    return a === 'INTEGER' ? BigInt(v) : a === 'REAL' ? Number(v) : v;
  };
  const listed: Listed[] = files.map((f, i) => ({
    path: f.path,
    open: f.open,
    partition: new Map(hive ? parts[i]!.map(([k, v]) => [k.toLowerCase(), typed(k, v)] as const) : []),
  }));

  // Partition pruning: a file whose partition value fails a conjunct on its key is never opened.
  const onKeys = req.predicates.filter((p) => keyAffinity.has(p.column));
  const kept = listed.filter((f) => onKeys.every((p) => (f.partition.has(p.column) ? valueMayMatch(p, keyAffinity.get(p.column)!, f.partition.get(p.column)!) : true)));
  countStats({ filesPruned: listed.length - kept.length });

  const hiveColumns: Column[] = keys.map((k) => ({ name: k, affinity: keyAffinity.get(k.toLowerCase())! }));
  if (format === 'parquet') return parquetTable(location, listed, kept, hiveColumns, req);
  return textTable(location, format, kept, hiveColumns, opts);
}

/** Adds `more` to `cols` by name (case-insensitive), keeping the first affinity unless they differ (then none). */
function mergeColumns(cols: Column[], more: readonly Column[]): void {
  for (const c of more) {
    const i = cols.findIndex((x) => x.name.toLowerCase() === c.name.toLowerCase());
    if (i < 0) cols.push(c);
    else if (cols[i]!.affinity !== c.affinity) cols[i] = { name: cols[i]!.name, affinity: 'BLOB' };
  }
}

async function parquetTable(location: string, listed: readonly Listed[], kept: readonly Listed[], hiveColumns: readonly Column[], req: ExternalRequest): Promise<TableFunction> {
  // The schema is the first kept file's (the first listed one's when pruning kept none).
  const first = kept[0] ?? listed[0]!;
  const firstOpened = await openParquetFile(await first.open());
  // A partition key that is also a file column reads the path's value (what pruning decided on).
  const isKey = (name: string): boolean => hiveColumns.some((h) => h.name.toLowerCase() === name.toLowerCase());
  const fileCols: Column[] = firstOpened.columns.filter((c) => !isKey(c.name)).map((c) => ({ name: c.name, affinity: c.affinity }));
  const hive = hiveColumns;
  const columns: Column[] = [...fileCols, ...hive];
  const wanted = (name: string): boolean => req.columns === undefined || req.columns.has(name.toLowerCase());
  let reuse: OpenedParquetFile | undefined = kept[0] === first ? firstOpened : undefined;
  async function* read(): AsyncGenerator<SqlValue[][]> {
    for (const f of kept) {
      const file = reuse && f === first ? reuse : await openParquetFile(await f.open());
      reuse = undefined;
      // Positions in `columns` of this file's wanted columns.
      const pick: { fileCol: number; out: number }[] = [];
      file.columns.forEach((c, i) => {
        const out = columns.findIndex((x) => x.name.toLowerCase() === c.name.toLowerCase());
        if (out >= 0 && !isKey(c.name) && wanted(c.name)) pick.push({ fileCol: i, out });
      });
      const hiveAt = hive.map((h) => ({ out: columns.indexOf(h), value: f.partition.get(h.name.toLowerCase()) ?? null }));
      for (const g of selectRowGroups(file, req.predicates)) {
        const { rowCount, values } = await readRowGroup(
          file,
          g,
          pick.map((p) => p.fileCol),
        );
        const rows = new Array<SqlValue[]>(rowCount);
        for (let r = 0; r < rowCount; r++) {
          const row = new Array<SqlValue>(columns.length).fill(null);
          for (let k = 0; k < pick.length; k++) row[pick[k]!.out] = values[k]![r]!;
          for (const h of hiveAt) row[h.out] = h.value;
          rows[r] = row;
        }
        yield rows;
      }
    }
  }
  return rowsTable(location, columns, read);
}

async function textTable(location: string, format: ExternalFormat, kept: readonly Listed[], hiveColumns: readonly Column[], opts: ReturnType<typeof readOptions>): Promise<TableFunction> {
  const parsed: { table: ParsedTable; file: Listed }[] = [];
  let total = 0;
  for (const f of kept) {
    const src = await f.open();
    const bytes = await readAll(src, opts.bounds);
    total += bytes.byteLength;
    if (total > opts.bounds.maxBytes) throw new DoSQLError('LIMIT_EXCEEDED', `external: ${location}: the files together exceed max_bytes ${opts.bounds.maxBytes}`, { details: { location, limit: 'max_bytes' } });
    const text = utf8Text(bytes, src.name);
    const table = format === 'json' ? parseJson(text, src.name) : format === 'ndjson' ? parseNdjson(text, src.name) : parseCsv(text, src.name, opts.csv);
    parsed.push({ table, file: f });
  }
  // A partition key that is also a file column reads the path's value (what pruning decided on).
  const isKey = (name: string): boolean => hiveColumns.some((h) => h.name.toLowerCase() === name.toLowerCase());
  const columns: Column[] = [];
  for (const { table } of parsed) mergeColumns(columns, table.columns.flatMap((name, i) => (isKey(name) ? [] : [{ name, affinity: table.affinities[i]! }])));
  const hive = hiveColumns;
  const fileWidth = columns.length;
  columns.push(...hive);
  const rows: SqlValue[][] = [];
  for (const { table, file } of parsed) {
    const at = table.columns.map((n) => (isKey(n) ? -1 : columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase())));
    for (const r of table.rows) {
      const row = new Array<SqlValue>(columns.length).fill(null);
      for (let i = 0; i < at.length; i++) if (at[i]! >= 0) row[at[i]!] = r[i] ?? null;
      for (let h = 0; h < hive.length; h++) row[fileWidth + h] = file.partition.get(hive[h]!.name.toLowerCase()) ?? null;
      rows.push(row);
    }
  }
  return rowsTable(location, columns, async function* () {
    yield rows;
  });
}
