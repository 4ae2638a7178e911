// The lake section of bench/RESULTS.md, from bench/out/lake.json (bench/lake.ts).

export interface LakeFile {
  ms: number;
  throughput: { sources: number; rows: number; seconds: number; rows_per_s: number; equal: boolean }[];
  freshness: { interval_ms: number; commits: number; p50_ms: number; p99_ms: number; max_ms: number; files_before: { max: number; deletes: number }; files_after: { max: number }; compact_ms: number };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `command` names the run (as the other sections do). */
export function lakeSection(d: LakeFile, command: string): string {
  const f = d.freshness;
  return [
    `## Lake: changes of dosql databases into Iceberg tables`,
    ``,
    `${command}. Sources are embedded databases in the same process (folders, durability \`normal\`) committing`,
    `transactions of 100 row changes (80 % inserts, 15 % updates, 5 % deletes); one in-process lake on a folder,`,
    `flushing every second (docs/lake.md). Rows/s = row changes committed in the lake's Iceberg snapshots over the`,
    `time until it was caught up (the sources' own write time included: they share the 2 cores).`,
    ``,
    `| sources | row changes | seconds | rows/s into the lake | icebird count = sources' |`,
    `| --- | --- | --- | --- | --- |`,
    ...d.throughput.map((t) => `| ${t.sources} | ${fmt(t.rows)} | ${t.seconds.toFixed(1)} | ${fmt(t.rows_per_s)} | ${t.equal ? 'yes' : 'NO'} |`),
    ``,
    `Freshness (a source commit → an Iceberg snapshot holding it is current), ${f.commits} commits at a fixed rate, flush`,
    `interval ${f.interval_ms} ms: p50 ${fmt(f.p50_ms)} ms, p99 ${fmt(f.p99_ms)} ms, max ${fmt(f.max_ms)} ms (target p99 < 2 s; Moonlink mirrors`,
    `Postgres into Iceberg in under a second). With the default 60 s interval freshness is the interval.`,
    ``,
    `Files in the (single) day partition after that run: ${f.files_before.max} data files and ${f.files_before.deletes} position-delete files;`,
    `after \`compact({ mode: 'full' })\` (${fmt(f.compact_ms)} ms): ${f.files_after.max} data file(s), no delete file.`,
  ].join('\n');
}
