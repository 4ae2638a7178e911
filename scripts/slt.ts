// npm run slt -- [--engine dosql|sqlite] [--max-failures-shown N] [--json out.json]
//                [--timeout SECONDS] [--strict] [--no-isolate] <files or folders...>
//
// Runs sqllogictest files (format: /work/shared/slt/README.md), each in a fresh in-memory
// database of dosql (the engine under test; `--engine sqlite` runs the same files on SQLite,
// the reference), and prints one line per file, the first failures, a line naming the engine
// and the files run, and a last line "N passed, N failed, N skipped (engine E)". Exit code 0
// even with failures unless --strict; 2 for bad arguments or an engine that cannot be opened.
//
// By default files run in a child process watched by a supervisor (scripts/slt/supervisor.ts):
// a record stuck longer than the timeout (default 30 s) fails and the file carries on after it.
import { writeFile } from 'node:fs/promises';
import { isEngineName, openEngine, type EngineName } from './slt/adapter.js';
import { runSltFile, type FileResult } from './slt/file-run.js';
import { collectFiles } from './slt/files.js';
import { failureText, fileLine, jsonReport, totalsLine, totalsOf, seconds } from './slt/report.js';
import { DEFAULT_TIMEOUT_MS } from './slt/runner.js';
import { IsolatedRunner } from './slt/supervisor.js';

interface CliOptions {
  engine: EngineName;
  maxShown: number;
  json?: string;
  timeoutMs: number;
  strict: boolean;
  isolate: boolean;
  paths: string[];
}

function usage(problem: string): never {
  console.error(`slt: ${problem}`);
  console.error('usage: npm run slt -- [--engine dosql (default) | sqlite] [--max-failures-shown N] [--json out.json] [--timeout S] [--strict] [--no-isolate] <files or folders...>');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = { engine: 'dosql', maxShown: 10, timeoutMs: DEFAULT_TIMEOUT_MS, strict: false, isolate: true, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${a} needs a value`);
    const count = (): number => {
      const n = Number(value());
      return Number.isFinite(n) && n >= 0 ? n : usage(`${a} needs a non-negative number`);
    };
    if (a === '--engine') {
      const e = value();
      if (!isEngineName(e)) usage(`unknown engine "${e}" (sqlite or dosql)`);
      o.engine = e;
    } else if (a === '--max-failures-shown') o.maxShown = count();
    else if (a === '--json') o.json = value();
    else if (a === '--timeout') o.timeoutMs = count() * 1000;
    else if (a === '--strict') o.strict = true;
    else if (a === '--no-isolate') o.isolate = false;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.paths.push(a);
  }
  if (o.paths.length === 0) usage('no files or folders given');
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const files = await collectFiles(o.paths).catch((e: Error) => usage(e.message));
  try {
    await (await openEngine(o.engine)).close();
  } catch (e) {
    console.error(`slt: cannot open engine ${o.engine}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const width = Math.max(0, ...files.map((f) => f.length));
  const results: FileResult[] = [];
  const isolated = o.isolate ? new IsolatedRunner({ engine: o.engine, timeoutMs: o.timeoutMs, maxFailuresKept: Math.max(o.maxShown, 200) }) : undefined;
  try {
    for (const f of files) {
      const r = isolated !== undefined ? await isolated.runFile(f) : await runSltFile(f, o.engine, { timeoutMs: o.timeoutMs, maxFailuresKept: Math.max(o.maxShown, 200) });
      results.push(r);
      console.log(fileLine(r, width));
    }
  } finally {
    isolated?.close();
  }

  const failures = results.flatMap((r) => r.failures).slice(0, o.maxShown);
  if (failures.length > 0) {
    console.log('');
    for (const f of failures) console.log(`${failureText(f)}\n`);
  }
  const totals = totalsOf(results);
  if (o.json !== undefined) await writeFile(o.json, jsonReport(o.engine, o.timeoutMs, results));
  const errors = results.filter((r) => r.error !== undefined).length;
  console.log(`engine ${o.engine}, ${files.length} files${errors > 0 ? ` (${errors} not run to the end)` : ''}, ${seconds(totals.ms)}`);
  console.log(totalsLine(totals, o.engine));
  process.exitCode = o.strict && (totals.failed > 0 || errors > 0) ? 1 : 0;
}

await main();
