// Writes bench/RESULTS.md and bench/charts/*.svg from the JSON files the benchmarks wrote
// into bench/out/ (and bench/out/runs.json: the command and duration of each run).
//
//   npm run bench -- report        or        dosql bench --report
//
// Every ratio compares engines measured in the same run on the same machine. Ratios are
// oriented so that > 1 means dosql is ahead: ops/s as dosql / reference, times as
// reference / dosql.
import { ftsSection, vectorSection, type FtsFile, type VectorFile } from './report-search.js';
import { lakeSection, type LakeFile } from './report-lake.js';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ratioChartSvg, type RatioBar } from './charts.js';
import { describeMachine, machineInfo, type MachineInfo } from './machine.js';
import type { KvRow } from './kv.js';
import type { CompactionRow } from './compaction.js';
import type { RunRecord } from './run.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Ctx {
  inDir: string;
  resultsPath: string;
  chartsDir: string;
  runs: Record<string, RunRecord>;
  charts: string[];
}

interface SqlFile {
  machine?: MachineInfo;
  rows: { engine: string; workload: string; ops_per_sec: number }[];
}
interface TimeTravelFile {
  machine?: MachineInfo;
  n: number;
  lookups: number;
  rows: { workload: string; current_ms: number; as_of_ms: number; ratio: number }[];
  branches?: { rows: number; branch_ms: number; delete_ms: number }[];
  branch_scans?: { workload: string; main_cpu_ms: number; branch_cpu_ms: number; ratio: number }[];
}
interface FlightsFile {
  machine?: MachineInfo;
  flights: number;
  sourceBytes?: number;
  coldBytes?: number;
  hotBytes?: number;
  rows: { engine: string; step: string; ms: number; firstMs?: number; answer: string }[];
}

function read<T>(ctx: Ctx, name: string): { data: T; date: string } | null {
  const p = join(ctx.inDir, name);
  if (!existsSync(p)) return null;
  return { data: JSON.parse(readFileSync(p, 'utf8')) as T, date: statSync(p).mtime.toISOString().slice(0, 16).replace('T', ' ') };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '-' : r >= 100 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : String(Number(r.toPrecision(2))));
const ms = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? fmt(v) : v.toFixed(1));

/** The command that produced a result file: from runs.json, else the script's defaults. */
function command(ctx: Ctx, name: string, date: string, defaults: string): string {
  const r = ctx.runs[name];
  const args = r ? r.args.join(' ') : defaults;
  return `\`npm run bench -- ${name}${args ? ` ${args}` : ''}\`, run ${date}${r ? ` (${fmt(r.seconds)} s)` : ''}`;
}

/** Writes one chart and returns the Markdown image line. */
function chart(ctx: Ctx, file: string, title: string, subtitle: string, bars: RatioBar[], below = 'dosql behind', above = 'dosql ahead', format?: (v: number) => string): string {
  if (bars.length === 0) return '';
  mkdirSync(ctx.chartsDir, { recursive: true });
  const path = join(ctx.chartsDir, file);
  writeFileSync(path, ratioChartSvg({ title, subtitle, bars, below, above, ...(format ? { format } : {}) }));
  ctx.charts.push(path);
  return `\n![${title}](${relative(dirname(ctx.resultsPath), path).split('\\').join('/')})`;
}

function kvSection(ctx: Ctx, rows: KvRow[], date: string): string {
  const refs = ['leveldb', 'lmdb', 'sqlite'].filter((e) => rows.some((r) => r.engine === e));
  const engines = ['dosql', ...refs];
  const workloads = ['fillseq', 'fillrandom', 'overwrite', 'readrandom', 'readseq', 'seekrandom'].filter((w) => rows.some((r) => r.workload === w));
  const at = (e: string, w: string): KvRow | undefined => rows.find((r) => r.engine === e && r.workload === w);
  const r = (w: string, ref: string): number | undefined => {
    const d = at('dosql', w);
    const o = at(ref, w);
    return d && o ? d.ops_per_sec / o.ops_per_sec : undefined;
  };
  const lines = [
    `## Key-value engine (db_bench workloads)`,
    ``,
    `${command(ctx, 'kv', date, '--n 1000000')}. 16-byte keys, 100-byte values (half compressible, as db_bench`,
    `makes them), batches of 1,000, one process, engines one after another, each workload right after the previous one`,
    `without waiting for background work (as db_bench does). Same durability class for all (acknowledged once written`,
    `to the OS): dosql \`durability: 'normal'\` and \`retention: 0\`, SQLite WAL + \`synchronous=NORMAL\` (WITHOUT ROWID),`,
    `LevelDB (classic-level) \`sync: false\`, LMDB \`noSync: true\`. Operations per second, and dosql / each reference:`,
    ``,
    `| workload | ${engines.join(' | ')} | ${refs.map((e) => `dosql / ${e}`).join(' | ')} |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} | ${refs.map(() => '---:').join(' | ')} |`,
    ...workloads.map((w) => `| ${w} | ${engines.map((e) => (at(e, w) ? fmt(at(e, w)!.ops_per_sec) : '-')).join(' | ')} | ${refs.map((e) => ratio(r(w, e))).join(' | ')} |`),
    '',
    'Bytes on disk / logical bytes (keys x 116 B) after each phase (lower is better):',
    '',
    `| after | ${engines.join(' | ')} |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} |`,
  ];
  for (const w of [...workloads, 'compact']) {
    if (!engines.some((e) => at(e, w))) continue;
    lines.push(`| ${w === 'compact' ? 'full compaction' : w} | ${engines.map((e) => (at(e, w) ? at(e, w)!.space_amp.toFixed(2) : '-')).join(' | ')} |`);
  }
  lines.push('', '"full compaction": dosql `compact({ full: true })`, LevelDB `compactRange`, SQLite `VACUUM`; LMDB has none.');
  const bars = workloads.flatMap((w) => refs.map((e) => ({ label: `${w} vs ${e}`, value: r(w, e) ?? NaN })));
  lines.push(chart(ctx, 'kv.svg', 'Key-value workloads: dosql ops/s / reference ops/s', 'log scale; > 1: dosql does more operations per second', bars));
  return lines.join('\n');
}

function compactionSection(ctx: Ctx, rows: CompactionRow[], date: string): string {
  const lines = [
    `## Compaction`,
    ``,
    `${command(ctx, 'compaction', date, '--n 1000000')}: fillrandom, then three overwrites of every key (random order),`,
    `then a full compaction; dosql (retention 0) beside LevelDB, whose figures come from its own \`leveldb.stats\`. Write`,
    `amplification = bytes written by flushes and compactions / key and value bytes written by the user (compressed`,
    `output can make it < 1). Read amplification = files searched per point read (dosql only).`,
    ``,
    `| engine | after | write amp | compaction read MB | compaction written MB | compaction MB/s | read amp | disk / logical |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map((r) => `| ${r.engine} | ${r.phase} | ${r.write_amp} | ${r.compaction_read_mb} | ${r.compaction_write_mb} | ${r.compaction_mb_per_sec} | ${r.read_amp ?? '-'} | ${r.space_amp} |`),
  ];
  const phases = [...new Set(rows.map((r) => r.phase))];
  const pair = (p: string): [CompactionRow | undefined, CompactionRow | undefined] => [rows.find((r) => r.engine === 'dosql' && r.phase === p), rows.find((r) => r.engine === 'leveldb' && r.phase === p)];
  const bars: RatioBar[] = [];
  for (const p of phases) {
    const [d, l] = pair(p);
    if (!d || !l) continue;
    bars.push({ label: `write amp, ${p}`, value: l.write_amp / d.write_amp });
    bars.push({ label: `disk / logical, ${p}`, value: l.space_amp / d.space_amp });
  }
  if (bars.length) {
    lines.push('', 'LevelDB / dosql (> 1: dosql writes or keeps fewer bytes):', '', '| after | write amp | disk / logical |', '| --- | ---: | ---: |');
    for (const p of phases) {
      const [d, l] = pair(p);
      if (d && l) lines.push(`| ${p} | ${ratio(l.write_amp / d.write_amp)} | ${ratio(l.space_amp / d.space_amp)} |`);
    }
  }
  lines.push(chart(ctx, 'compaction.svg', 'Compaction: LevelDB / dosql', 'write amplification and bytes on disk; > 1: dosql writes or keeps fewer bytes', bars));
  return lines.join('\n');
}

function sqlSection(ctx: Ctx, f: SqlFile, date: string): string {
  const workloads = [...new Set(f.rows.map((r) => r.workload))];
  const at = (e: string, w: string): number | undefined => f.rows.find((r) => r.engine === e && r.workload === w)?.ops_per_sec;
  // "(after flush)" reads compare with SQLite's only figure for the same read.
  const ref = (w: string): number | undefined => at('sqlite', w) ?? at('sqlite', w.replace(' (after flush)', ' by primary key'));
  const mine = workloads.filter((w) => at('dosql', w) !== undefined);
  const lines = [
    `## SQL through the public API`,
    ``,
    `${command(ctx, 'sql', date, '--n 100000 --ops 300000')}: \`t(id INTEGER PRIMARY KEY, name TEXT, score REAL)\`, prepared`,
    `statements; dosql \`durability: 'normal'\` in a folder, better-sqlite3 WAL + \`synchronous=NORMAL\`. "after flush": the`,
    `same reads once dosql's rows are in SSTables; "index range": \`CREATE INDEX t_score ON t(score)\`, then`,
    `\`SELECT id, name FROM t WHERE score BETWEEN ? AND ?\` with random bounds (~30 rows); "single-row autocommit":`,
    `one \`INSERT\` per commit (dosql \`db.run\`, better-sqlite3 \`stmt.run\`), into a table of its own. Each measurement starts once the process is quiet (bench/settle.ts). Operations per second:`,
    ``,
    `| workload | dosql | sqlite | dosql / sqlite |`,
    `| --- | ---: | ---: | ---: |`,
    ...mine.map((w) => {
      const d = at('dosql', w)!;
      const l = ref(w);
      return `| ${w} | ${fmt(d)} | ${l === undefined ? '-' : fmt(l)} | ${l === undefined ? '-' : ratio(d / l)} |`;
    }),
  ];
  const bars = mine.filter((w) => ref(w) !== undefined).map((w) => ({ label: w, value: at('dosql', w)! / ref(w)! }));
  lines.push(chart(ctx, 'sql.svg', 'SQL: dosql ops/s / SQLite ops/s', 'log scale; > 1: dosql faster', bars));
  return lines.join('\n');
}

function timeTravelSection(ctx: Ctx, f: TimeTravelFile, date: string): string {
  const lines = [
    `## Time travel`,
    ``,
    `${command(ctx, 'timetravel', date, '')}: ${fmt(f.n)} rows with three versions each; the same queries at the current`,
    `LSN and \`FOR SYSTEM_TIME AS OF LSN\` the first version (target: AS OF at most 1.2x the current read). Median ms:`,
    ``,
    `| workload | current | AS OF old LSN | AS OF / current |`,
    `| --- | ---: | ---: | ---: |`,
    ...f.rows.map((r) => `| ${r.workload} | ${ms(r.current_ms)} | ${ms(r.as_of_ms)} | ${ratio(r.as_of_ms / r.current_ms)} |`),
  ];
  if (f.branches?.length) {
    lines.push('', '| database rows | branch() ms | deleteBranch() ms |', '| ---: | ---: | ---: |');
    for (const b of f.branches) lines.push(`| ${fmt(b.rows)} | ${b.branch_ms.toFixed(2)} | ${b.delete_ms.toFixed(2)} |`);
  }
  if (f.branch_scans?.length) {
    lines.push('', 'Scans on a branch of the flushed database (100 branch writes) beside the same scans on main, process CPU ms (target: branch / main <= 1.2):', '');
    lines.push('| scan | main | branch | branch / main |', '| --- | ---: | ---: | ---: |');
    for (const b of f.branch_scans) lines.push(`| ${b.workload} | ${ms(b.main_cpu_ms)} | ${ms(b.branch_cpu_ms)} | ${b.ratio.toFixed(2)} |`);
  }
  const bars = f.rows.map((r) => ({ label: r.workload.replace(' — ', ', '), value: r.current_ms / r.as_of_ms }));
  lines.push(
    chart(ctx, 'timetravel.svg', 'Time travel: cost of reading the past', 'current ms / AS OF ms; 1 = reading the past costs the same as reading the present', bars, 'the past is slower', 'the past is as fast', (v) => `${(1 / v).toFixed(2)}x cost`),
  );
  return lines.join('\n');
}

interface CdcFile {
  n: number;
  commits: number;
  catchUp: { changes: number; commits: number; typed_events: number; typed_events_per_s: number; raw_events_per_s: number; retained_wal_bytes: number };
  latency: { commits: number; p50_ms: number; p99_ms: number; max_ms: number };
  overhead: { rows_per_s_0: number; rows_per_s_1: number; rows_per_s_4: number; overhead_1_pct: number; overhead_4_pct: number };
}

interface ShardFile {
  rows: number;
  ops: number;
  scatter: number;
  clients: number;
  caveat: string;
  results: { shards: number; pointQps: number; aggregateP50Ms: number; aggregateP99Ms: number; topP50Ms: number; topP99Ms: number }[];
}

function shardSection(ctx: Ctx, f: ShardFile, date: string): string {
  return [
    `## Sharding: routed and scatter queries over 1, 2, 4 and 8 shards`,
    ``,
    `${command(ctx, 'shard', date, '')}: a \`users\` table of ${fmt(f.rows)} rows hash-sharded on \`id\` over N shards (each a dosql`,
    `database in its own folder) behind \`createShardExecutor\`: ${fmt(f.ops)} routed point queries from ${f.clients} concurrent callers, and`,
    `${fmt(f.scatter)} runs each of a scatter aggregate (partial aggregates merged) and a scatter top-10 (LIMIT pushed down).`,
    ``,
    `| shards | point queries/s | scatter aggregate p50 ms | p99 ms | scatter top-10 p50 ms | p99 ms |`,
    `| ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...f.results.map((r) => `| ${r.shards} | ${fmt(r.pointQps)} | ${ms(r.aggregateP50Ms)} | ${ms(r.aggregateP99Ms)} | ${ms(r.topP50Ms)} | ${ms(r.topP99Ms)} |`),
    ``,
    `**Caveat (2 cores):** ${f.caveat}`,
  ].join('\n');
}

function cdcSection(ctx: Ctx, f: CdcFile, date: string): string {
  const c = f.catchUp;
  const l = f.latency;
  const o = f.overhead;
  return [
    `## Change data capture`,
    ``,
    `${command(ctx, 'cdc', date, '')}: a slot at LSN 0, then ${fmt(c.changes)} row changes in ${fmt(c.commits)} commits (inserts, updates,`,
    `deletes, upserts over two tables, one indexed), read back from LSN 0; commit -> delivery latency of one subscriber at the`,
    `head over ${fmt(l.commits)} commits; the same write loop with 0, 1 and 4 subscribers consuming typed events in the same`,
    `process (target: at most 10 % slower with one).`,
    ``,
    `| measure | value |`,
    `| --- | ---: |`,
    `| catch-up, typed events/s | ${fmt(Math.round(c.typed_events_per_s))} |`,
    `| catch-up, raw entries/s | ${fmt(Math.round(c.raw_events_per_s))} |`,
    `| retained WAL for the slot | ${(c.retained_wal_bytes / 1e6).toFixed(1)} MB |`,
    `| latency p50 / p99 / max | ${l.p50_ms.toFixed(3)} / ${l.p99_ms.toFixed(3)} / ${l.max_ms.toFixed(1)} ms |`,
    `| write rows/s, no subscriber | ${fmt(Math.round(o.rows_per_s_0))} |`,
    `| write rows/s, 1 subscriber | ${fmt(Math.round(o.rows_per_s_1))} (${o.overhead_1_pct.toFixed(1)} % overhead) |`,
    `| write rows/s, 4 subscribers | ${fmt(Math.round(o.rows_per_s_4))} (${o.overhead_4_pct.toFixed(1)} % overhead) |`,
  ].join('\n');
}

function flightsSection(ctx: Ctx, f: FlightsFile, date: string): string {
  const steps = [...new Set(f.rows.map((r) => r.step))];
  const engines = ['dosql', 'dosql-cold', 'sqlite', 'duckdb-parquet', 'duckdb'].filter((e) => f.rows.some((r) => r.engine === e));
  const at = (e: string, s: string): FlightsFile['rows'][number] | undefined => f.rows.find((r) => r.engine === e && r.step === s);
  const refs = ['sqlite', 'duckdb-parquet', 'duckdb'].filter((e) => engines.includes(e));
  const mineOf = ['dosql', 'dosql-cold'].filter((e) => engines.includes(e));
  const r = (mine: string, ref: string, s: string): number | undefined => {
    const a = at(mine, s);
    const b = at(ref, s);
    return a && b ? b.ms / a.ms : undefined;
  };
  const agree = (s: string): string => {
    if (s === 'load') return '-';
    const answers = engines.map((e) => at(e, s)?.answer).filter((a): a is string => a !== undefined);
    return answers.every((a) => a === answers[0]) ? 'yes' : 'NO';
  };
  const ratioCols = mineOf.flatMap((m) => refs.map((e) => ({ m, e, head: `${e} / ${m === 'dosql' ? 'hot' : 'cold'}` })));
  const lines = [
    `## Flights: ${fmt(f.flights)} real rows, dosql beside SQLite and DuckDB`,
    ``,
    `${command(ctx, 'flights', date, '')}: ${fmt(f.flights)} US flights of 2001 (vega-datasets' flights-3m.parquet) loaded`,
    `into each engine in one process, then the same questions; every engine's answers must agree. "dosql" is the hot`,
    `tier (loaded by \`dosql import\`'s SSTable ingestion; queries take the columnar path over cached SSTable images`,
    `where they can, the row path otherwise; its first query builds the images); "dosql-cold" the same database after \`compact({ tier: 'cold' })\` (its "load" row: the cold`,
    `compaction into columnar runs plus the Iceberg publish), answering from the runs. "duckdb-parquet" is DuckDB`,
    `querying the source Parquet file (the same data, as a lake reader); "duckdb" its own table loaded from it.`,
    `Milliseconds: the median of repeated runs after a first one (dosql's first runs, which fill its decoded-column`,
    `cache, are listed below), and reference ms / dosql ms (> 1: dosql faster):`,
    ``,
    `| step | ${engines.map((e) => `${e} ms`).join(' | ')} | ${ratioCols.map((c) => c.head).join(' | ')} | answers agree |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} | ${ratioCols.map(() => '---:').join(' | ')} | --- |`,
    ...steps.map((s) => `| ${s} | ${engines.map((e) => ms(at(e, s)?.ms)).join(' | ')} | ${ratioCols.map((c) => (s === 'load' && c.m === 'dosql-cold' ? '-' : ratio(r(c.m, c.e, s)))).join(' | ')} | ${agree(s)} |`),
  ];
  for (const e of ['dosql', 'dosql-cold']) {
    const firsts = steps.filter((s) => s !== 'load' && at(e, s)?.firstMs !== undefined);
    if (firsts.length) lines.push('', `${e} first runs (ms): ${firsts.map((s) => `${s} ${ms(at(e, s)!.firstMs)}`).join(', ')}.`);
  }
  const targets = ['Q1', 'Q2', 'Q4'].filter((s) => at('dosql-cold', s) && at('sqlite', s) && at('duckdb-parquet', s));
  if (targets.length) {
    lines.push('', 'Targets (issue 6): the cold tier at least 10x faster than SQLite and within 3x of DuckDB reading the same data:', '');
    for (const s of targets) {
      const vsLite = r('dosql-cold', 'sqlite', s)!;
      const vsDuck = 1 / r('dosql-cold', 'duckdb-parquet', s)!;
      const vsTable = 1 / (r('dosql-cold', 'duckdb', s) ?? NaN);
      lines.push(`- ${s}: ${vsLite.toFixed(1)}x faster than SQLite (${vsLite >= 10 ? 'met' : 'NOT met'}); ${vsDuck.toFixed(2)}x DuckDB-on-Parquet's time (${vsDuck <= 3 ? 'met' : 'NOT met'}); ${vsTable.toFixed(2)}x DuckDB-on-its-table's time.`);
    }
  }
  if (f.sourceBytes && f.coldBytes) {
    lines.push('', `Space: the cold tier (columnar runs + Iceberg metadata) is ${fmt(f.coldBytes)} bytes, ${(f.coldBytes / f.sourceBytes).toFixed(2)}x the source Parquet file (${fmt(f.sourceBytes)} bytes; target <= 1.5x); the hot tier's SSTables were ${fmt(f.hotBytes ?? 0)} bytes.`);
  }
  for (const m of mineOf) {
    const bars = steps.filter((s) => !(s === 'load' && m === 'dosql-cold')).flatMap((s) => refs.filter((e) => r(m, e, s) !== undefined).map((e) => ({ label: `${s} vs ${e}`, value: r(m, e, s)! })));
    const tier = m === 'dosql' ? 'hot tier' : 'cold tier';
    lines.push(chart(ctx, `flights-${m === 'dosql' ? 'hot' : 'cold'}.svg`, `Flights (${fmt(f.flights)} rows): dosql ${tier} vs SQLite and DuckDB`, 'reference ms / dosql ms, log scale; > 1: dosql faster', bars));
  }
  return lines.join('\n');
}

/** The machine a result file recorded (the newest), else this one. */
function machineOf(files: ({ data: unknown; date: string } | null)[]): MachineInfo {
  const ms = files
    .map((f) => (f && typeof f.data === 'object' && f.data !== null && 'machine' in f.data ? (f.data as { machine: MachineInfo }).machine : undefined))
    .filter((m): m is MachineInfo => m !== undefined)
    .sort((a, b) => b.date.localeCompare(a.date));
  return ms[0] ?? machineInfo(here);
}

export interface ReportOptions {
  /** Folder of the benchmarks' JSON (default bench/out). */
  inDir?: string;
  /** Markdown file to write (default bench/RESULTS.md). */
  resultsPath?: string;
  /** Folder of the SVG charts (default bench/charts). */
  chartsDir?: string;
}

/** Writes the report; returns the paths written (RESULTS.md first, then the charts). */
export async function main(options: ReportOptions = {}): Promise<string[]> {
  const inDir = options.inDir ?? (process.env.DOSQL_BENCH_OUT ? resolve(process.env.DOSQL_BENCH_OUT) : join(here, 'out'));
  const runsPath = join(inDir, 'runs.json');
  const ctx: Ctx = {
    inDir,
    resultsPath: options.resultsPath ?? join(here, 'RESULTS.md'),
    chartsDir: options.chartsDir ?? join(here, 'charts'),
    runs: existsSync(runsPath) ? (JSON.parse(readFileSync(runsPath, 'utf8')) as Record<string, RunRecord>) : {},
    charts: [],
  };
  const kv = read<KvRow[]>(ctx, 'kv.json');
  const comp = read<CompactionRow[]>(ctx, 'compaction.json');
  const sql = read<SqlFile>(ctx, 'sql.json');
  const tt = read<TimeTravelFile>(ctx, 'timetravel.json');
  const flights = read<FlightsFile>(ctx, 'flights.json');
  const cdc = read<CdcFile>(ctx, 'cdc.json');
  const m = machineOf([flights, tt, sql]);
  const parts = [
    `# Benchmark results`,
    ``,
    `Machine: ${describeMachine(m)}.`,
    `Report written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC from \`bench/out/*.json\`; each section names the run it comes from.`,
    ``,
    `Every table compares engines measured in the same run on this machine. Ratios read "> 1: dosql ahead" (ops/s as`,
    `dosql / reference, times as reference / dosql). Reproduce everything with \`dosql bench all --report\`.`,
  ];
  if (flights) parts.push('', flightsSection(ctx, flights.data, flights.date));
  if (kv) parts.push('', kvSection(ctx, kv.data, kv.date));
  if (comp) parts.push('', compactionSection(ctx, comp.data, comp.date));
  if (sql) parts.push('', sqlSection(ctx, sql.data, sql.date));
  if (tt) parts.push('', timeTravelSection(ctx, tt.data, tt.date));
  const lake = read<LakeFile>(ctx, 'lake.json');
  if (lake) parts.push('', lakeSection(lake.data, command(ctx, 'lake', lake.date, '--ms 30000')));
  if (cdc) parts.push('', cdcSection(ctx, cdc.data, cdc.date));
  const sharding = read<ShardFile>(ctx, 'shard.json');
  if (sharding) parts.push('', shardSection(ctx, sharding.data, sharding.date));
  const vector = read<VectorFile>(ctx, 'vector.json');
  if (vector) parts.push('', vectorSection(vector.data, command(ctx, 'vector', vector.date, '')));
  const fts = read<FtsFile>(ctx, 'fts.json');
  if (fts) parts.push('', ftsSection(fts.data, command(ctx, 'fts', fts.date, '')));
  writeFileSync(ctx.resultsPath, `${parts.join('\n')}\n`);
  console.log(`wrote ${ctx.resultsPath} and ${ctx.charts.length} chart${ctx.charts.length === 1 ? '' : 's'} in ${ctx.chartsDir}`);
  return [ctx.resultsPath, ...ctx.charts];
}
