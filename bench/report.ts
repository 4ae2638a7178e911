// Writes bench/RESULTS.md from the JSON files the benchmarks wrote into bench/out/.
//   npm run bench -- report
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, machineInfo } from './machine.js';
import type { KvRow } from './kv.js';
import type { CompactionRow } from './compaction.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out');

function read<T>(name: string): { rows: T; date: string } | null {
  const p = join(out, name);
  if (!existsSync(p)) return null;
  return { rows: JSON.parse(readFileSync(p, 'utf8')) as T, date: statSync(p).mtime.toISOString() };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function kvSection(rows: KvRow[], date: string): string {
  const engines = ['dosql', 'sqlite', 'leveldb', 'lmdb'].filter((e) => rows.some((r) => r.engine === e));
  const workloads = ['fillseq', 'fillrandom', 'overwrite', 'readrandom', 'readseq', 'seekrandom'];
  const at = (e: string, w: string): KvRow | undefined => rows.find((r) => r.engine === e && r.workload === w);
  const lines = [
    `## Key-value engine (db_bench workloads)`,
    ``,
    `\`npm run bench -- kv --n 1000000\`, run ${date}. 1,000,000 keys, 16-byte keys, 100-byte values`,
    `(half compressible, as db_bench makes them), batches of 1,000, one process, engines one after`,
    `another. Same durability class for all (acknowledged once written to the OS): dosql`,
    `\`durability: 'normal'\`, SQLite WAL + \`synchronous=NORMAL\` (WITHOUT ROWID table), LevelDB`,
    `(classic-level) \`sync: false\`, LMDB \`noSync: true\`. dosql runs with \`retention: 0\` (no history`,
    `beyond open read views: the promise LevelDB makes) and its default background work on worker`,
    `threads. Each workload runs right after the previous one without waiting for background`,
    `flushes or compactions, as db_bench does. Operations per second:`,
    ``,
    `| workload | ${engines.join(' | ')} | dosql / leveldb | dosql / lmdb |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} | ---: | ---: |`,
  ];
  for (const w of workloads) {
    const d = at('dosql', w);
    const l = at('leveldb', w);
    const m = at('lmdb', w);
    lines.push(
      `| ${w} | ${engines.map((e) => (at(e, w) ? fmt(at(e, w)!.ops_per_sec) : '-')).join(' | ')} | ${d && l ? (d.ops_per_sec / l.ops_per_sec).toFixed(2) : '-'} | ${d && m ? (d.ops_per_sec / m.ops_per_sec).toFixed(2) : '-'} |`,
    );
  }
  lines.push('', 'Bytes on disk / logical bytes (1,000,000 x 116 B) after each phase:', '', `| after | ${engines.join(' | ')} |`, `| --- | ${engines.map(() => '---:').join(' | ')} |`);
  for (const w of [...workloads, 'compact']) {
    if (!engines.some((e) => at(e, w))) continue;
    lines.push(`| ${w === 'compact' ? 'full compaction' : w} | ${engines.map((e) => (at(e, w) ? at(e, w)!.space_amp.toFixed(2) : '-')).join(' | ')} |`);
  }
  lines.push('', '"full compaction": dosql `compact({ full: true })`, LevelDB `compactRange`, SQLite `VACUUM`; LMDB has none.');
  return lines.join('\n');
}

function compactionSection(rows: CompactionRow[], date: string): string {
  const lines = [
    `## Compaction`,
    ``,
    `\`npm run bench -- compaction --n 1000000\`, run ${date}: fillrandom of 1,000,000 keys, then three`,
    `overwrites of every key (random order), then a full compaction; dosql (retention 0) beside`,
    `LevelDB, whose figures come from its own \`leveldb.stats\`. Write amplification = bytes written`,
    `by flushes and compactions / key and value bytes written by the user (compressed output can`,
    `make it < 1). Read amplification = files searched per point read (dosql only).`,
    ``,
    `| engine | after | write amp | compaction read MB | compaction written MB | compaction MB/s | read amp | disk / logical |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const r of rows) {
    lines.push(`| ${r.engine} | ${r.phase} | ${r.write_amp} | ${r.compaction_read_mb} | ${r.compaction_write_mb} | ${r.compaction_mb_per_sec} | ${r.read_amp ?? '-'} | ${r.space_amp} |`);
  }
  return lines.join('\n');
}

interface SqlFile {
  rows: { engine: string; workload: string; ops_per_sec: number }[];
}

function sqlSection(f: SqlFile, date: string): string {
  const workloads = [...new Set(f.rows.map((r) => r.workload))];
  const at = (e: string, w: string): number | undefined => f.rows.find((r) => r.engine === e && r.workload === w)?.ops_per_sec;
  const lines = [
    `## SQL through the public API`,
    ``,
    `\`npm run bench -- sql\`, run ${date}: 100,000 rows \`t(id INTEGER PRIMARY KEY, name TEXT, score REAL)\`, prepared`,
    `statements; dosql \`durability: 'normal'\` in a folder, better-sqlite3 WAL + \`synchronous=NORMAL\`. "after flush":`,
    `the same reads once dosql's rows are in SSTables (SQLite column: its only figure). Operations per second:`,
    ``,
    `| workload | dosql | sqlite | dosql / sqlite |`,
    `| --- | ---: | ---: | ---: |`,
  ];
  for (const w of workloads.filter((x) => at('dosql', x) !== undefined)) {
    const d = at('dosql', w)!;
    const l = at('sqlite', w) ?? at('sqlite', w.replace(' (after flush)', ' by primary key'));
    lines.push(`| ${w} | ${fmt(Math.round(d))} | ${l === undefined ? '-' : fmt(Math.round(l))} | ${l === undefined ? '-' : (d / l).toFixed(2)} |`);
  }
  return lines.join('\n');
}

interface TimeTravelFile {
  n: number;
  lookups: number;
  rows: { workload: string; current_ms: number; as_of_ms: number; ratio: number }[];
  branches?: { rows: number; branch_ms: number; delete_ms: number }[];
}

function timeTravelSection(f: TimeTravelFile, date: string): string {
  const lines = [
    `## Time travel`,
    ``,
    `\`npm run bench -- timetravel --n ${f.n}\`, run ${date}: ${fmt(f.n)} rows with three versions each; the same`,
    `queries at the current LSN and \`FOR SYSTEM_TIME AS OF LSN\` the first version (target: at most 1.2x). Median ms:`,
    ``,
    `| workload | current | AS OF old LSN | AS OF / current |`,
    `| --- | ---: | ---: | ---: |`,
    ...f.rows.map((r) => `| ${r.workload} | ${r.current_ms.toFixed(1)} | ${r.as_of_ms.toFixed(1)} | ${r.ratio.toFixed(2)} |`),
  ];
  if (f.branches?.length) {
    lines.push('', '| database rows | branch() ms | deleteBranch() ms |', '| ---: | ---: | ---: |');
    for (const b of f.branches) lines.push(`| ${fmt(b.rows)} | ${b.branch_ms.toFixed(2)} | ${b.delete_ms.toFixed(2)} |`);
  }
  return lines.join('\n');
}

export async function main(): Promise<void> {
  const m = machineInfo(here);
  const parts = [`# Benchmark results`, ``, `Machine: ${describeMachine(m)}.`, ``, `Every table compares engines measured in the same run on this machine.`];
  const kv = read<KvRow[]>('kv.json');
  if (kv) parts.push('', kvSection(kv.rows, kv.date));
  const comp = read<CompactionRow[]>('compaction.json');
  if (comp) parts.push('', compactionSection(comp.rows, comp.date));
  const sql = read<SqlFile>('sql.json');
  if (sql) parts.push('', sqlSection(sql.rows, sql.date));
  const tt = read<TimeTravelFile>('timetravel.json');
  if (tt) parts.push('', timeTravelSection(tt.rows, tt.date));
  writeFileSync(join(here, 'RESULTS.md'), `${parts.join('\n')}\n`);
  console.log(`wrote ${join(here, 'RESULTS.md')}`);
}
