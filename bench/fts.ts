// Full-text search latency: dosql's fts5 beside SQLite's FTS5 (better-sqlite3) on the same
// documents — vega-datasets' movies (title, director, genre, distributor), repeated `--copies`
// times with distinct rowids — and the same queries (terms, prefixes, phrases, OR, AND NOT,
// column filters), each `SELECT rowid, bm25(m) FROM m WHERE m MATCH ? ORDER BY rank LIMIT 20`.
//
// Also reports each index's size in bytes and the process CPU time per query.
//
//   npm run bench -- fts [--copies N] [--queries Q] [--json FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';
import { describeMachine, machineInfo } from './machine.js';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

/** Process CPU time (user + system) since `from`, in ms: steadier than wall time on a shared machine. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

interface Movie {
  Title: string | number | null;
  Director: string | null;
  'Major Genre': string | null;
  Distributor: string | null;
}

export async function main(args: string[]): Promise<void> {
  const copies = arg(args, '--copies', 10);
  const nq = arg(args, '--queries', 300);
  const here = dirname(fileURLToPath(import.meta.url));
  const movies = (JSON.parse(readFileSync(join(here, '../node_modules/vega-datasets/data/movies.json'), 'utf8')) as Movie[]).map((m) => [m.Title === null ? null : String(m.Title), m.Director, m['Major Genre'], m.Distributor]);
  const docs: (string | number | null)[][] = [];
  for (let c = 0; c < copies; c++) movies.forEach((m, i) => docs.push([c * movies.length + i + 1, ...m]));
  const r = new Prng(7);
  const vocab = [...new Set(movies.flatMap((m) => (m[0] ?? '').toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length > 2))];
  const word = (): string => vocab[Math.floor(r.next() * vocab.length)]!;
  const forms = [
    (): string => word(),
    (): string => `${word().slice(0, 3)}*`,
    (): string => `${word()} OR ${word()}`,
    (): string => `${word()} NOT ${word()}`,
    (): string => `title : ${word()}`,
    (): string => {
      const t = (movies[Math.floor(r.next() * movies.length)]![0] ?? 'the man').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w);
      return t.length >= 2 ? `"${t[0]} ${t[1]}"` : word();
    },
  ];
  const queries = Array.from({ length: nq }, () => forms[Math.floor(r.next() * forms.length)]!());
  console.log(`fts: ${docs.length} documents, ${nq} queries; machine: ${describeMachine(machineInfo())}`);
  const sql = 'SELECT rowid, bm25(m) AS s FROM m WHERE m MATCH ? ORDER BY rank LIMIT 20';
  const ddl = 'CREATE VIRTUAL TABLE m USING fts5(title, director, genre, distributor)';

  const lite = new Database(':memory:');
  lite.exec(ddl);
  let t0 = performance.now();
  const ins = lite.prepare('INSERT INTO m(rowid, title, director, genre, distributor) VALUES (?, ?, ?, ?, ?)');
  lite.transaction(() => docs.forEach((d) => ins.run(...d)))();
  const liteLoad = (performance.now() - t0) / 1000;
  const liteBytes = (['m_data', 'm_idx', 'm_docsize'] as const).reduce((n, t) => n + Number((lite.prepare(`SELECT coalesce(sum(${t === 'm_idx' ? 'length(term) + 16' : t === 'm_data' ? 'length(block) + 8' : 'length(sz) + 8'}), 0) AS n FROM ${t}`).get() as { n: number }).n), 0);
  const st = lite.prepare(sql);
  let cpu0 = process.cpuUsage();
  const liteMs = queries.map((q) => {
    const t = performance.now();
    st.all(q);
    return performance.now() - t;
  });
  const liteCpu = cpuMs(cpu0) / nq;

  const db = DB('bench-fts', { storage: 'memory' });
  await db.exec(ddl);
  t0 = performance.now();
  for (let i = 0; i < docs.length; i += 500) {
    const chunk = docs.slice(i, i + 500);
    await db.run(`INSERT INTO m(rowid, title, director, genre, distributor) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, chunk.flat());
  }
  const dosqlLoad = (performance.now() - t0) / 1000;
  // Index size: the live key and value bytes in the fts5 index's key space (its rootpage in
  // sqlite_master), beside the bytes of SQLite's shadow tables m_data, m_idx and m_docsize.
  const engine = await db.engine();
  const ixId = Number(((await db.query("SELECT rootpage FROM sqlite_master WHERE name = 'm:fts5'")) as unknown as { rootpage: number }[])[0]!.rootpage);
  let dosqlBytes = 0;
  for await (const e of engine.scan(ixId)) dosqlBytes += e.rawKey.length + e.value.length;
  const dosqlMs: number[] = [];
  cpu0 = process.cpuUsage();
  for (const q of queries) {
    const t = performance.now();
    await db.query(sql, [q]);
    dosqlMs.push(performance.now() - t);
  }
  const dosqlCpu = cpuMs(cpu0) / nq;
  await db.close();
  lite.close();
  const rows = [
    { engine: 'sqlite-fts5', load_s: liteLoad, index_bytes: liteBytes, p50_ms: pct(liteMs, 0.5), p95_ms: pct(liteMs, 0.95), mean_ms: liteMs.reduce((a, b) => a + b, 0) / nq, cpu_ms: liteCpu },
    { engine: 'dosql-fts5', load_s: dosqlLoad, index_bytes: dosqlBytes, p50_ms: pct(dosqlMs, 0.5), p95_ms: pct(dosqlMs, 0.95), mean_ms: dosqlMs.reduce((a, b) => a + b, 0) / nq, cpu_ms: dosqlCpu },
  ];
  for (const x of rows) console.log(`  ${x.engine.padEnd(12)} load ${x.load_s.toFixed(1).padStart(6)} s   index ${String(x.index_bytes).padStart(9)} B   p50 ${x.p50_ms.toFixed(2).padStart(8)} ms   p95 ${x.p95_ms.toFixed(2).padStart(8)} ms   mean ${x.mean_ms.toFixed(2).padStart(8)} ms   cpu/query ${x.cpu_ms.toFixed(2).padStart(8)} ms`);
  const ji = args.indexOf('--json');
  if (ji >= 0) writeFileSync(args[ji + 1]!, JSON.stringify({ machine: machineInfo(), documents: docs.length, queries: nq, rows }, null, 2));
}
