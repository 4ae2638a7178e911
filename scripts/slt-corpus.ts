// npm run slt:corpus -- [<corpus folder>] [<parts>...] [--engine dosql|sqlite] [--timeout SECONDS]
//                       [--batch N] [--jobs N] [--state FILE] [--fresh] [--max-failures-shown N] [--strict]
//
// Runs a whole sqllogictest corpus (every *.test / *.slt file under the folder, e.g. a checkout
// of gregrahn/sqllogictest's test/) on dosql, or on SQLite with --engine sqlite, and prints the
// total. The corpus folder is the first argument, or $SLT_CORPUS (then every argument is a part).
// Files or folders after it (relative to it) run only that part of the corpus; their results
// count toward a later run of the whole. Hours of work on a small machine, so:
//
// - Batches: files run in child processes (scripts/slt/supervisor.ts), a fresh one for every
//   --batch files (default 10), so one file's leaks or crash cannot spoil the rest; --jobs N
//   runs N batches at once (default 1).
// - Per-record timeout (--timeout, default 30 s): a stuck record fails as "timed out" and the
//   file carries on after it.
// - Resumable: each file's result is saved to the state file (default
//   scratch/slt-corpus-<engine>.json) as soon as it ends; a rerun skips the files already there
//   (--fresh starts over). Stop it at any time with Ctrl-C.
//
// The last line: "total (engine E): F of N files run, P passed, F failed, S skipped,
// T timeouts[, E files not run to the end]". Exit code 0 unless --strict and something failed;
// 2 for bad arguments. Not part of `npm test`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { isEngineName, openEngine, type EngineName } from './slt/adapter.js';
import type { FileResult } from './slt/file-run.js';
import { collectFiles } from './slt/files.js';
import { failureText, fileLine, seconds, totalsOf } from './slt/report.js';
import { DEFAULT_TIMEOUT_MS } from './slt/runner.js';
import { IsolatedRunner } from './slt/supervisor.js';

interface Options {
  corpus: string;
  /** Parts of the corpus to run (absolute paths); empty: all of it. */
  parts: string[];
  engine: EngineName;
  timeoutMs: number;
  batch: number;
  jobs: number;
  state: string;
  fresh: boolean;
  maxShown: number;
  strict: boolean;
}

/** The state file: run settings and one result per file, keyed by its path under the corpus. */
interface State {
  format: 'dosql-slt-corpus';
  version: 1;
  engine: EngineName;
  corpus: string;
  timeoutMs: number;
  files: Record<string, FileResult>;
}

/** Failure details kept per file in the state file. */
const FAILURES_KEPT = 20;

function usage(problem: string): never {
  console.error(`slt:corpus: ${problem}`);
  console.error('usage: npm run slt:corpus -- [<corpus folder> | $SLT_CORPUS] [--engine dosql|sqlite] [--timeout S] [--batch N] [--jobs N] [--state FILE] [--fresh] [--max-failures-shown N] [--strict]');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  let corpus = process.env.SLT_CORPUS || undefined;
  const parts: string[] = [];
  let engine: EngineName = 'dosql';
  let state: string | undefined;
  const o = { timeoutMs: DEFAULT_TIMEOUT_MS, batch: 10, jobs: 1, fresh: false, maxShown: 10, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${a} needs a value`);
    const positive = (): number => {
      const n = Number(value());
      return Number.isInteger(n) && n > 0 ? n : usage(`${a} needs a positive whole number`);
    };
    if (a === '--engine') {
      const e = value();
      if (!isEngineName(e)) usage(`unknown engine "${e}" (dosql or sqlite)`);
      engine = e;
    } else if (a === '--timeout') {
      const n = Number(value());
      o.timeoutMs = n > 0 ? n * 1000 : usage('--timeout needs a positive number of seconds');
    }
    else if (a === '--batch') o.batch = positive();
    else if (a === '--jobs') o.jobs = positive();
    else if (a === '--state') state = value();
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--max-failures-shown') o.maxShown = Number(value()) || 0;
    else if (a === '--strict') o.strict = true;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (corpus !== undefined) parts.push(a);
    else corpus = a;
  }
  if (corpus === undefined) usage('no corpus folder given (argument or $SLT_CORPUS)');
  const root = resolve(corpus);
  return { ...o, corpus: root, parts: parts.map((p) => resolve(root, p)), engine, state: resolve(state ?? `scratch/slt-corpus-${engine}.json`) };
}

function loadState(o: Options): State {
  const empty: State = { format: 'dosql-slt-corpus', version: 1, engine: o.engine, corpus: o.corpus, timeoutMs: o.timeoutMs, files: {} };
  if (o.fresh || !existsSync(o.state)) return empty;
  let s: State;
  try {
    s = JSON.parse(readFileSync(o.state, 'utf8')) as State;
  } catch (e) {
    return usage(`cannot read the state file ${o.state} (${e instanceof Error ? e.message : String(e)}); --fresh starts over`);
  }
  if (s.format !== 'dosql-slt-corpus' || s.version !== 1) usage(`${o.state} is not a slt:corpus state file; --fresh starts over`);
  if (s.engine !== o.engine) usage(`${o.state} holds results of engine ${s.engine}, not ${o.engine}; --fresh starts over or --state picks another file`);
  return s;
}

/** Writes the state atomically (temp file, rename): an interrupted run never leaves half a file. */
function saveState(path: string, s: State): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(s));
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  for (const p of o.parts) if (relative(o.corpus, p).startsWith('..')) usage(`${p} is not under the corpus folder ${o.corpus}`);
  const files = await collectFiles(o.parts.length > 0 ? o.parts : [o.corpus]).catch((e: Error) => usage(e.message));
  if (files.length === 0) usage(`no .test or .slt files under ${o.parts.length > 0 ? o.parts.join(', ') : o.corpus}`);
  try {
    await (await openEngine(o.engine)).close();
  } catch (e) {
    console.error(`slt:corpus: cannot open engine ${o.engine}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const state = loadState(o);
  const key = (f: string): string => relative(o.corpus, f);
  const pending = files.filter((f) => state.files[key(f)] === undefined);
  console.log(`slt:corpus: engine ${o.engine}, ${files.length} files under ${o.corpus}${o.parts.length > 0 ? ` (${o.parts.map(key).join(', ')})` : ''}; ${files.length - pending.length} done already (${o.state}), ${pending.length} to run in batches of ${o.batch}, ${o.jobs} at a time, record timeout ${o.timeoutMs / 1000} s`);

  const batches: string[][] = [];
  for (let i = 0; i < pending.length; i += o.batch) batches.push(pending.slice(i, i + o.batch));
  const width = Math.max(0, ...pending.map((f) => key(f).length));
  const runners = new Set<IsolatedRunner>();
  process.once('SIGINT', () => {
    for (const r of runners) r.close();
    console.log(`\nslt:corpus: interrupted; ${Object.keys(state.files).length} files saved in ${o.state}, a rerun carries on`);
    process.exit(130);
  });
  let next = 0;
  const job = async (): Promise<void> => {
    for (let b = next++; b < batches.length; b = next++) {
      const runner = new IsolatedRunner({ engine: o.engine, timeoutMs: o.timeoutMs, maxFailuresKept: FAILURES_KEPT });
      runners.add(runner);
      try {
        for (const f of batches[b]!) {
          const r = await runner.runFile(f);
          const k = key(f);
          state.files[k] = { ...r, path: k, ms: Math.round(r.ms) };
          saveState(o.state, state);
          console.log(fileLine(state.files[k]!, width));
        }
      } finally {
        runner.close();
        runners.delete(runner);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, Math.max(1, batches.length)) }, job));

  // Totals over every file of the corpus that has a result, from this run or earlier ones.
  const results = files.map((f) => state.files[key(f)]).filter((r): r is FileResult => r !== undefined);
  const failures = results.flatMap((r) => r.failures).slice(0, o.maxShown);
  if (failures.length > 0) {
    console.log('');
    for (const f of failures) console.log(`${failureText(f)}\n`);
  }
  const t = totalsOf(results);
  const errors = results.filter((r) => r.error !== undefined);
  for (const r of errors) console.log(`not run to the end: ${r.path}: ${r.error}`);
  console.log(`files took ${seconds(t.ms)} in all (summed over runs); results in ${o.state}`);
  console.log(
    `total (engine ${o.engine}): ${results.length} of ${files.length} files run, ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped, ${t.timeouts} timeouts` +
      (errors.length > 0 ? `, ${errors.length} files not run to the end` : ''),
  );
  process.exitCode = o.strict && (t.failed > 0 || errors.length > 0 || results.length < files.length) ? 1 : 0;
}

await main();
