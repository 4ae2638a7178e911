// dosql bench [kv|sql|flights|compaction|timetravel|all] [--report] [--scale X] [options]:
// the benchmarks of bench/ (a source checkout with dev dependencies) through bench/run.ts.
// Results go to bench/out/<name>.json; --report then writes bench/RESULTS.md and the SVG
// charts. The benchmarks print their progress on the process's stdout.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DoSQLError } from '../../errors.js';
import { println, usageError, type CliIO } from '../io.js';
import { USAGE } from '../usage.js';

/** What the CLI uses of bench/run.ts and bench/report.ts. */
interface BenchRunner {
  BENCHES: readonly string[];
  runBench(name: string, args: readonly string[], options: { toOut?: boolean }): Promise<void>;
  runAll(options: { scale?: number; log?: (s: string) => void }): Promise<Record<string, number>>;
}
interface BenchReport {
  main(): Promise<string[]>;
}

/**
 * Imports a TypeScript module of bench/: directly under tsx, else (the built CLI) after
 * registering tsx's loader for the process. A global registration, not tsImport: modules then
 * keep plain `.ts` URLs, which the worker-thread executor relies on to start its workers.
 */
async function importBench<T>(file: string): Promise<T> {
  const url = new URL(`../../../bench/${file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new DoSQLError('NOT_FOUND', `bench: the benchmarks need the source checkout; ${fileURLToPath(url)} does not exist`, { details: { path: fileURLToPath(url) } });
  }
  // Under tsx (this file is .ts) TypeScript imports already work; the built CLI registers
  // tsx first (a failed import would stay cached for the URL).
  if (!import.meta.url.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return (await import(url.href)) as T;
}

export async function benchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    println(io.stdout, USAGE.bench);
    return 0;
  }
  const args = [...argv];
  const take = (flag: string): boolean => {
    const i = args.indexOf(flag);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const report = take('--report');
  let scale = 1;
  const si = args.indexOf('--scale');
  if (si >= 0) {
    scale = Number(args[si + 1]);
    if (!(scale > 0)) throw usageError('bench', `bench: --scale needs a positive number, got ${JSON.stringify(args[si + 1] ?? '')}`);
    args.splice(si, 2);
  }
  const name = args[0] !== undefined && !args[0].startsWith('-') ? args.shift()! : undefined;
  if (name === undefined && !report) throw usageError('bench', 'bench: name a benchmark, all, or --report');

  const runner = await importBench<BenchRunner>('run.ts');
  if (name !== undefined && name !== 'all' && !runner.BENCHES.includes(name)) {
    throw usageError('bench', `bench: unknown benchmark ${JSON.stringify(name)}; one of ${runner.BENCHES.join(', ')}, all`);
  }
  if (name === 'all') {
    if (args.length) throw usageError('bench', `bench: all takes only --scale and --report; got ${args.join(' ')}`);
    const took = await runner.runAll({ scale, log: (s) => println(io.stderr, s) });
    println(io.stdout, `benchmarks done: ${Object.entries(took).map(([k, v]) => `${k} ${v} s`).join(', ')}`);
  } else if (name !== undefined) {
    if (si >= 0) throw usageError('bench', 'bench: --scale goes with all; give sizes to one benchmark directly (e.g. --n 100000)');
    await runner.runBench(name, args, { toOut: true });
  }
  if (report) {
    const written = await (await importBench<BenchReport>('report.ts')).main();
    for (const w of written) println(io.stdout, `wrote ${w}`);
  }
  return 0;
}
