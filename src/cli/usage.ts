// Usage text of every command: printed by `dosql help`, by `--help`, and (to stderr, exit
// code 2) after a bad command line. docs/cli.md explains each option at length.

export const USAGE: Readonly<Record<string, string>> = {
  import: `dosql import <db> <file.parquet|.csv|.tsv|.json|.ndjson> --table T [options]
  --table T            table to create or append to (required)
  --pk COLS            primary key column(s), comma separated, when the table is created
  --schema "DEFS"      column definitions instead of inferring them, e.g. "id INTEGER, name TEXT"
  --create-sql "SQL"   the whole CREATE TABLE statement instead of inferring it
  --format F           csv | tsv | json | ndjson | parquet (default: from the file name)
  --delimiter C        CSV field delimiter (default ',', TAB for .tsv)
  --no-header          the CSV has no header row (columns are named c1, c2, ...)
  --batch N            rows per transaction (default 10000)
  --load M             ingest (default): an empty table is loaded straight into SSTables as
                       one commit (all rows or none); insert: batched INSERT transactions
  --quiet              no progress bar`,
  sql: `dosql sql <db> ["<SQL>" | -c "<SQL>" | < script.sql] [options]
  SQL comes from the argument, -c, or stdin (when neither is given, or the argument is -)
  --as-of P            read as of lsn:N, ts:ISO-TIME, snapshot:NAME or branch:NAME (SELECT only)
  --branch B           run on branch B instead of main
  --format F           table | box | markdown | line | json | csv | arrow (default table);
                       sqlite3's -box, -markdown, -line, -csv, -json, -table work too
  --noheader           no header row in csv, box and markdown (sqlite3's -noheader)
  --readonly           open read-only (sqlite3's -readonly): writes fail with READ_ONLY
  --create             create the database if the folder holds none`,
  shell: `dosql shell <db> [--branch B] [-c "<SQL>"] [--readonly] [--format F] [--noheader]
  Interactive SQL, like the sqlite3 and duckdb shells: statements end with ';'. Dot commands:
  .tables, .schema [T], .mode table|box|markdown|line|csv|json|arrow, .headers on|off,
  .read FILE, .import FILE TABLE, .dump [TABLE], .timing on|off, .help, .quit.
  -c runs the SQL (and dot commands) and leaves; piped input runs as a script`,
  compact: `dosql compact <db> [--full] [--cold] [--quiet]
  --full               merge everything into one sorted level
  --cold               move every table into columnar runs (the cold tier) and publish each
                       as an Iceberg snapshot, as db.compact({ tier: 'cold' }) does`,
  stats: `dosql stats <db> [--format table|json]
  levels, files, bytes, amplification, snapshots, branches and the cold tier`,
  snapshots: `dosql snapshots <db> [--format table|json|csv] [--create [NAME]] [--delete NAME]`,
  branches: `dosql branches <db> [--format table|json|csv] [--create NAME [--from SNAPSHOT]] [--delete NAME [--force]]`,
  iceberg: `dosql iceberg <db> [--table T] [--format table|json|csv]
  Iceberg snapshots of each table, their LSNs, and the warehouse path to give other engines`,
  migrate: `dosql migrate <db> <folder> [--branch B]
dosql migrate <db> --status [<folder>] [--branch B] [--format table|json|csv]
  <folder>             NNN_name.sql files, applied in version order, each once and in its own
                       transaction, recorded with a SHA-256 in _dosql_migrations (the database
                       is created if the folder <db> holds none)
  --status             list what is applied (and, with <folder>, pending, drift, missing,
                       out-of-order); changes nothing
  --branch B           on branch B: migrations applied there stay there`,
  repair: `dosql repair <db> [--apply] [--format table|json]
  Checks every manifest version (does it decode, do its SSTables and columnar runs verify) and
  the WAL, reports the newest consistent version and the LSNs falling back to it would lose.
  --apply              write a new manifest version from it (fences any writer); without it
                       nothing is changed`,
  lake: `dosql lake sync <db...> (--warehouse <dir> | --lake <url>) [--follow] [--url U] [--namespace N] [--slot S] [--source-id ID] [--table T ...] [--key-scope T=global ...] [--partition T=COL[:UNIT] ...] [--flush-interval MS] [--token T]
dosql lake serve --warehouse <dir> [--port N] [--host H] [--token T] [--url U] [--namespace N] [--key-scope T=global ...] [--partition T=COL[:UNIT] ...] [--flush-interval MS] [--max-buffer BYTES] [--event-threshold N] [--row-group-rows N] [--maintenance-interval MS]
  sync streams each database's changes into Iceberg v2 tables (docs/lake.md), exactly once:
  one table per source table name, rows of every database in it (column _dosql_source).
  --warehouse DIR       the lake's folder (tables under warehouse/<namespace>/<table>, state under _lake/state)
  --lake URL            stream to a lake served by \`dosql lake serve\` (http://host:port) instead
  --token T             bearer token of the served lake (default $DOLAKE_AUTH_TOKEN)
  --url U               the URL readers see DIR under (default file://<DIR>)
  --namespace N         namespace folder (default "default")
  --slot S              the databases' replication slot (default dosql-lake; made at LSN 0 if absent,
                        which needs the database's whole log: create it with the database)
  --source-id ID        the source id of a single database (default: its folder's name)
  --table T             only these tables (repeat, or comma separated)
  --key-scope T=global  table T is sharded by key across the databases (a key moves between them)
  --partition T=COL[:UNIT]  day partitions of table T by column COL (UNIT unixepoch, unixepoch-ms
                        or julianday for numbers; default: text dates, julian days for REALs);
                        T=commit: by commit time (the default). Fixed when the table is created
  --follow, -f          keep streaming (flush every --flush-interval ms, default 1000) until Ctrl-C;
                        without it, stop once the lake holds every commit made before the start
  Prints one JSON line per source (committed LSN) and per table (version, URL, positions).
  serve runs the lake as its own process with the DoLake endpoints: /lake/ingest (WebSocket),
  /lake/status, /lake/flush, /lake/compact, /lake/cleanup, /lake/objects/<key> (docs/lake.md,
  "Serving a lake"). --port (default any free one) and --host (default 127.0.0.1; another host
  needs --token); --flush-interval (default 60000), --max-buffer (64 MiB), --event-threshold
  (10000), --row-group-rows (100000): DOLAKE_* settings; --maintenance-interval (300000, 0 = off).
  Prints {"listening": url, ...}; Ctrl-C flushes and stops.`,
  cdc: `dosql cdc <db> [--from-lsn N | --after ID | --slot NAME] [--table T ...] [--branch B] [--raw] [--follow] [--limit N]
dosql cdc <db> --create-slot NAME [--from-lsn N] [--table T ...] | --drop-slot NAME | --slots
  The change stream as NDJSON, one event per line (docs/cdc.md): BEGIN, schema changes, row
  changes with their before and after images, COMMIT.
  --from-lsn N         start after commit N (default 0: from the first retained commit)
  --after ID           start after event ID ("<lsn>:<seq>")
  --slot NAME          start from the slot and acknowledge into it as lines are written
  --table T            only these tables (repeat, or comma separated)
  --branch B           follow branch B (default main)
  --raw                raw log entries (op, key, before/after row JSON) instead of typed events
  --follow, -f         keep waiting for new commits (until Ctrl-C); without it, stop at the
                       newest commit at start
  --limit N            stop after N events
  --create-slot NAME   create a replication slot at --from-lsn (default: the newest commit)
  --drop-slot NAME     delete a slot (the log it kept can go)
  --slots              list slots with their lag`,
  backup: `dosql backup <db> <folder> [--full] [--take-over]
dosql backup <folder> --list | --verify [ID]
  <folder>             the backup folder: data files shared by every backup in it, and one
                       folder per backup (its manifest and snapshot.json with SHA-256s)
  --full               copy every data file, even those an earlier backup in <folder> has
  --list, --verify     list the backups in <folder>, or check one's files (default: the newest)`,
  restore: `dosql restore <folder> <to> [--id ID] [--as-of lsn:N] [--archive DBFOLDER]
  restores backup ID (default: the newest) of <folder> into the new folder <to>, checking every
  file's SHA-256 first; --as-of rewinds every table to its rows as of that LSN, or with
  --archive (the database folder, opened with walArchive) replays its WAL archive past the backup`,
  bench: `dosql bench [kv|sql|flights|compaction|timetravel|all] [--report] [--scale X] [benchmark options]
  all                  every benchmark in turn with moderate sizes (--scale multiplies them)
  --report             write bench/RESULTS.md and bench/charts/*.svg from bench/out/*.json
  other options go to the benchmark (e.g. --n 100000, --rows 1000000)`,
};

export const OVERVIEW = `dosql: a command line for dosql databases (a database is a folder)

usage: dosql <command> [arguments]

commands:
  import <db> <file> --table T    load a Parquet, CSV, JSON or NDJSON file into a table
  sql <db> "<SQL>"                run SQL; --as-of for time travel, --format table|json|csv|arrow
  shell <db>                      interactive SQL with history
  compact <db> [--full] [--cold]  compact the LSM tree; --cold builds the cold tier and publishes it
  stats <db>                      levels, files, bytes, amplification, cold tier
  snapshots <db>                  named snapshots (create, delete)
  branches <db>                   branches (create, delete)
  iceberg <db> [--table T]        Iceberg snapshots and the warehouse path
  migrate <db> <folder>           apply pending NNN_name.sql migrations; --status lists them
  repair <db> [--apply]           check a damaged database; --apply falls back to the newest good manifest
  cdc <db> [--follow]             the change stream as NDJSON; --slot, --table, --from-lsn
  lake sync <db...> --warehouse D stream databases into Iceberg tables, exactly once; --follow
  lake serve --warehouse D        the lake as its own process (streamers: lake sync --lake URL)
  backup <db> <folder>            back up into a folder (incremental); --list, --verify
  restore <folder> <to>           restore a backup into a new folder; --as-of lsn:N
  bench [name|all] [--report]     benchmarks beside SQLite, DuckDB, LevelDB, LMDB
  help [command]                  this text, or one command's options

A command refuses (BUSY) a database another live process has open; --take-over opens it
anyway, and that process's writes then fail with FENCED.

Exit codes: 0 success, 1 failure (the error code and message are printed), 2 bad arguments.`;

export function usageOf(command: string): string {
  return USAGE[command] ?? OVERVIEW;
}
