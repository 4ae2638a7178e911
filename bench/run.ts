// The benchmarks behind one entry point.
//
//   npm run bench -- <kv|sql|flights|compaction|timetravel|worker|cdc|lake|vector|fts|shard|micro> [options]   one benchmark
//   npm run bench -- all [--scale X]                                      each in turn, results in bench/out/*.json
//   npm run bench -- report                                               bench/RESULTS.md and bench/charts/*.svg
//
// `dosql bench` (src/cli/commands/bench.ts) calls runBench / runAll / the report here.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCHES = ['kv', 'sql', 'flights', 'compaction', 'timetravel', 'worker', 'cdc', 'lake', 'vector', 'fts', 'shard', 'micro'] as const;
export type BenchName = (typeof BENCHES)[number];
/** What `all` runs: every benchmark but `micro` (tinybench ops/s of single calls, not charted by the report; run it on its own). */
export type AllBenchName = Exclude<BenchName, 'micro'>;
export const ALL_BENCHES: readonly AllBenchName[] = BENCHES.filter((b): b is AllBenchName => b !== 'micro');

const here = dirname(fileURLToPath(import.meta.url));
/** Where each benchmark's JSON goes when run through `all` or `dosql bench` (DOSQL_BENCH_OUT overrides, for smoke runs). */
export const OUT_DIR = process.env.DOSQL_BENCH_OUT ? resolve(process.env.DOSQL_BENCH_OUT) : join(here, 'out');

/**
 * Sizes for `all`: the sizes the targets are stated at (kv at 1,000,000 keys, flights' whole
 * 3M-row file); every benchmark in turn takes roughly 35 minutes on 2 cores. Each number is
 * multiplied by `--scale`.
 */
export const ALL_SIZES: Readonly<Record<AllBenchName, readonly [string, number][]>> = {
  kv: [['--n', 1_000_000]],
  compaction: [['--n', 500_000]],
  sql: [
    ['--n', 100_000],
    ['--ops', 300_000],
  ],
  timetravel: [
    ['--n', 500_000],
    ['--lookups', 10_000],
  ],
  flights: [['--rows', 3_000_000]],
  worker: [['--ms', 10_000]],
  lake: [['--ms', 30_000]],
  cdc: [
    ['--n', 200_000],
    ['--commits', 2_000],
  ],
  vector: [['--n', 100_000]],
  fts: [['--copies', 10]],
  shard: [['--rows', 20_000]],
};

/** One benchmark run as bench/out/runs.json records it (the report quotes the command). */
export interface RunRecord {
  args: string[];
  started: string;
  seconds: number;
}

export function isBench(name: string): name is BenchName {
  return (BENCHES as readonly string[]).includes(name);
}

async function load(name: BenchName): Promise<(args: string[]) => Promise<void>> {
  switch (name) {
    case 'kv':
      return (await import('./kv.js')).main;
    case 'compaction':
      return (await import('./compaction.js')).main;
    case 'sql':
      return (await import('./sql.js')).main;
    case 'timetravel':
      return (await import('./timetravel.js')).main;
    case 'flights':
      return (await import('./flights.js')).main;
    case 'worker':
      return (await import('./worker-load.js')).main;
    case 'lake':
      return (await import('./lake.js')).main;
    case 'cdc':
      return (await import('./cdc.js')).main;
    case 'vector':
      return (await import('./vector.js')).main;
    case 'fts':
      return (await import('./fts.js')).main;
    case 'shard':
      return (await import('./shard.js')).main;
    case 'micro':
      return (await import('./micro.js')).main;
  }
}

function recordRun(name: BenchName, rec: RunRecord): void {
  const file = join(OUT_DIR, 'runs.json');
  let all: Record<string, RunRecord> = {};
  try {
    if (existsSync(file)) all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, RunRecord>;
  } catch {
    all = {};
  }
  all[name] = rec;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/**
 * Runs one benchmark with `args`. With `toOut`, adds `--json <OUT_DIR>/<name>.json` unless
 * the args name a file. A run whose JSON lands there is recorded in <OUT_DIR>/runs.json.
 */
export async function runBench(name: BenchName, args: readonly string[], options: { toOut?: boolean } = {}): Promise<void> {
  const a = [...args];
  const target = join(OUT_DIR, `${name}.json`);
  if (options.toOut && !a.includes('--json')) {
    mkdirSync(OUT_DIR, { recursive: true });
    a.push('--json', target);
  }
  const main = await load(name);
  const started = new Date();
  await main(a);
  const ji = a.indexOf('--json');
  if (ji >= 0 && resolve(a[ji + 1]!) === target) {
    recordRun(name, { args: a.filter((_, i) => i !== ji && i !== ji + 1), started: started.toISOString(), seconds: Math.round((Date.now() - started.getTime()) / 1000) });
  }
}

/** Size arguments that multiply a corpus rather than count rows or ops: scaled down to 1, not 1,000. */
const MULTIPLIERS: ReadonlySet<string> = new Set(['--copies']);

/** The size arguments `all` gives `name` at `scale` (at least 1,000 rows / ops each; a multiplier at least 1). */
export function sizesFor(name: AllBenchName, scale: number): string[] {
  return ALL_SIZES[name].flatMap(([flag, n]) => [flag, String(Math.max(MULTIPLIERS.has(flag) ? 1 : 1000, Math.round(n * scale)))]);
}

/** Every benchmark in turn at ALL_SIZES x `scale`, results in bench/out/. Returns seconds per benchmark. */
export async function runAll(options: { scale?: number; only?: readonly AllBenchName[]; log?: (s: string) => void } = {}): Promise<Record<string, number>> {
  const log = options.log ?? console.log;
  const took: Record<string, number> = {};
  for (const name of options.only ?? ALL_BENCHES) {
    const args = sizesFor(name, options.scale ?? 1);
    log(`\n=== ${name} ${args.join(' ')}`);
    const t0 = Date.now();
    await runBench(name, args, { toOut: true });
    took[name] = Math.round((Date.now() - t0) / 1000);
    log(`=== ${name} done in ${took[name]} s`);
  }
  return took;
}

const USAGE = `usage: npm run bench -- kv [--n N] [--json FILE] [--engines dosql,sqlite,leveldb,lmdb]
       npm run bench -- compaction [--n N] [--json FILE]
       npm run bench -- sql [--n ROWS] [--ops N] [--range-ops N] [--single N] [--window-rows N] [--json FILE]
       npm run bench -- timetravel [--n ROWS] [--lookups N] [--reps N] [--json FILE]
       npm run bench -- flights [--rows N] [--load ingest|insert] [--json FILE]
       npm run bench -- worker [--seconds N | --ms N] [--clients N] [--preload N] [--write-ratio X] [--json FILE]
       npm run bench -- lake [--ms MS] [--rate ROWS_PER_S] [--default-ms MS] [--json FILE]
       npm run bench -- cdc [--n CHANGES] [--commits N] [--json FILE]
       npm run bench -- vector [--n N] [--dims D] [--queries Q] [--json FILE]
       npm run bench -- fts [--copies N] [--queries Q] [--json FILE]
       npm run bench -- shard [--rows N] [--ops N] [--scatter N] [--clients N] [--json FILE]
       npm run bench -- micro [--time MS] [--json FILE]   (tinybench; not part of all)
       npm run bench -- all [--scale X]        (each of the above but micro, results in bench/out/)
       npm run bench -- report                 (bench/RESULTS.md and bench/charts/ from bench/out/)`;

async function cli(argv: string[]): Promise<number> {
  const [which, ...rest] = argv;
  if (which !== undefined && isBench(which)) {
    await runBench(which, rest);
    return 0;
  }
  if (which === 'all') {
    const si = rest.indexOf('--scale');
    const scale = si >= 0 ? Number(rest[si + 1]) : 1;
    if (!(scale > 0)) {
      console.error('--scale needs a positive number');
      return 2;
    }
    await runAll({ scale });
    return 0;
  }
  if (which === 'report') {
    const { main } = await import('./report.js');
    await main();
    return 0;
  }
  console.error(USAGE);
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await cli(process.argv.slice(2));
}
