// npm run demo [-- --rows N] [-- --every K] [-- --dir PATH] [-- --seed S] [-- --no-lake] [-- --lake-rows N]
//
// dosql on 3,000,000 real US flights of 2001 (vega-datasets' flights-3m.parquet), on the
// embedded default (a local folder, .dosql/flights-demo, wiped at the start): a time-ordered
// ingest, a change stream, time travel, a what-if branch, the Iceberg cold tier read by an
// external reader, and a summary of every step's time. The steps live in scripts/demo/.
import { DoSQLError } from '../src/index.js';
import { runDemo } from './demo/steps.js';
import type { DemoOptions } from './demo/context.js';

function parseArgs(args: readonly string[]): DemoOptions {
  const options: DemoOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new DoSQLError('INVALID_ARGUMENT', `demo: ${a} needs a value`);
      return v;
    };
    const count = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new DoSQLError('INVALID_ARGUMENT', `demo: ${a} needs a positive integer`);
      return v;
    };
    if (a === '--rows') options.rows = count();
    else if (a === '--every') options.every = count();
    else if (a === '--seed') options.seed = count();
    else if (a === '--dir') options.dir = value();
    else if (a === '--no-lake') options.lake = false;
    else if (a === '--lake-rows') options.lakeRows = count();
    else throw new DoSQLError('INVALID_ARGUMENT', `demo: unknown option ${a} (use --rows N, --every K, --dir PATH, --seed S, --no-lake, --lake-rows N)`);
  }
  return options;
}

const result = await runDemo(parseArgs(process.argv.slice(2)));
if (!result.agree) {
  console.error('demo: the Iceberg reader and dosql disagree (see the table above)');
  process.exitCode = 1;
}
