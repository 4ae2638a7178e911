// Dependencies point down the layers (ARCHITECTURE.md), and the core runs in workerd: no
// `node:` imports outside the Node-only modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');

/** Rank of each folder: a module may import only folders of lower or equal rank. */
const RANK: Record<string, number> = {
  util: 0,
  'errors.ts': 0,
  storage: 1,
  memtable: 2,
  sstable: 2,
  columnar: 2,
  manifest: 2,
  mvcc: 3,
  iceberg: 3,
  compaction: 4,
  cold: 4,
  lsm: 5,
  sql: 7,
  cdc: 8,
  triggers: 8,
  proc: 8,
  timetravel: 8,
  vector: 8,
  search: 8,
  virtual: 8,
  shard: 9,
  lake: 9,
  worker: 10,
  client: 10,
  rpc: 10,
  cli: 10,
  node: 10,
  drivers: 10,
  'index.ts': 11,
};

/** Same-rank folders that must not import each other. */
const PEERS_ISOLATED = [['memtable', 'sstable', 'columnar', 'manifest'], ['mvcc', 'iceberg'], ['lake', 'shard'], ['vector', 'search', 'cdc', 'virtual']];

/**
 * Same-rank folders where imports go one way only: [from, to] may not be reversed. The cold
 * tier drives compaction's merge (cold-compaction-job.ts); compaction never knows the cold tier
 * (the engine passes the cold compaction in as a callback, compaction-scheduler.ts).
 */
const ONE_WAY = [['cold', 'compaction']];

/**
 * Folders with one public entry: from outside the folder only this file may be imported
 * (ARCHITECTURE.md; the cold tier's surface is src/cold/index.ts; sharding's is the
 * `dosql/sharding` subpath, src/shard/index.ts).
 */
const ENTRY_ONLY: Record<string, string> = { cold: 'cold/index.ts', lake: 'lake/index.ts', shard: 'shard/index.ts' };

/**
 * What SQL never imports: file formats and storage internals reach it only through the engine
 * (src/lsm) and the cold tier's public surface (ENTRY_ONLY).
 */
const SQL_FORBIDDEN = ['columnar', 'compaction', 'manifest', 'sstable', 'iceberg'];
/** Imports still to remove, by the issue that removes them (issue 14: branches and snapshots become engine operations). */
const SQL_KNOWN: readonly string[] = [];

/**
 * Inside src/sql, the pipeline parser → planner → execution (STYLE.md, after DuckDB): each
 * stage imports only stages ranked below it; the planner builds execution's operators, and
 * execution never plans. types 0 (SQL values); parser and functions 1 (independent of each
 * other); catalog and txn 2 (the catalog is read and written through a transaction, which
 * carries the catalog); rows 3 (row and key codecs of catalog schemas); execution 4;
 * planner 5; api 6 (the session and the DB() API); triggers 7 (dosql/triggers over the API).
 */
const SQL_RANK: Record<string, number> = {
  types: 0,
  parser: 1,
  functions: 1,
  catalog: 2,
  txn: 2,
  rows: 3,
  execution: 4,
  planner: 5,
  api: 6,
  triggers: 7,
  procedures: 7,
};

/** Same-rank SQL stages that must not import each other. */
const SQL_PEERS_ISOLATED = [['parser', 'functions']];

/**
 * The edges: runtimes and tools around the library. They use the public API — the names
 * src/index.ts re-exports, imported from the module that defines them (an edge cannot import
 * src/index.ts itself: the Worker must not load its Node-only exports) — or a declared host
 * interface module below. util/ and errors.ts are everyone's.
 */
const EDGES = ['worker', 'cli', 'node', 'client', 'drivers', 'rpc'];

/** Declared host interface modules: what edges may import beyond the public API, and why. */
const HOST_INTERFACES: Record<string, string> = {
  'sql/api/host.ts': "the SQL layer's host interface (sqlHost): the Worker's statements and transactions, the CLI's schema listing, DB()'s argument checks",
  'lsm/executor-host.ts': 'where flushes and compactions run: the executor interface and job parts (Node worker threads, Durable Object alarms)',
  'lsm/repair.ts': 'offline repair of a store (node/repair.ts runs it on a folder)',
  'lsm/backup-files.ts': "a physical backup's files and manifest (node/backup.ts copies them to a folder and restores them)",
  'storage/do-store.ts': 'Durable Object storage as the hot store (the Worker)',
  'storage/r2-store.ts': 'R2 as the cold store (the Worker)',
  'cold/index.ts': "the cold tier's surface: the Iceberg warehouse a database publishes to",
  'columnar/index.ts': 'the columnar library: Parquet WASM set-up, Arrow encoding of results',
  'sstable/compression.ts': 'the block codec registry (lz4 in WASM on workerd)',
  'cdc/index.ts': 'the public `dosql/cdc` subpath: change streams (the CLI\'s `dosql cdc`)',
  'lake/index.ts': 'the public `dosql/lake` subpath: the lake (the CLI\'s `dosql lake sync`)',
  'search/index.ts': 'full-text search: loading it registers the fts5 virtual table module and its functions with SQL (both DB() entries)',
  'vector/index.ts': 'vector search: loading it registers the vector functions and index with SQL (both DB() entries)',
  'virtual/index.ts': "the public `dosql/virtual` subpath: loading it registers the external-table reader with SQL (both DB() entries)",
};

/** Modules that may use Node built-ins: Node-only adapters and entry points. */
const NODE_ALLOWED = [/^storage\/fs-store\.ts$/, /^node\//, /^cli\//, /^index\.ts$/, /\.test\.ts$/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(rel: string): string {
  const first = rel.split('/')[0]!;
  return first;
}

const imports = files(SRC).map((file) => {
  const rel = relative(SRC, file);
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return { rel, specs };
});

/** The names in a `{ ... }` import or export list (`type` markers and `as` renames dropped: the name imported). */
function namesIn(list: string): string[] {
  return list
    .split(',')
    .map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim())
    .filter((n) => n !== '');
}

/** Public names by defining module (path under src/): what src/index.ts re-exports, values and types. */
const PUBLIC_NAMES = new Map<string, Set<string>>();
for (const m of readFileSync(join(SRC, 'index.ts'), 'utf8').matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
  const target = relative(SRC, resolve(SRC, m[2]!)).replace(/\.js$/, '.ts');
  const set = PUBLIC_NAMES.get(target) ?? new Set<string>();
  for (const n of namesIn(m[1]!)) set.add(n);
  PUBLIC_NAMES.set(target, set);
}

/** Relative imports of non-test modules, resolved to paths under src/, with the names they import (`*` for a namespace or side-effect import). */
const namedImports = files(SRC)
  .map((file) => relative(SRC, file))
  .filter((rel) => !rel.endsWith('.test.ts'))
  .flatMap((rel) => {
    const text = readFileSync(join(SRC, rel), 'utf8');
    const out: { rel: string; target: string; names: string[] }[] = [];
    const stmt = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:(\{[^}]*\})|([^'"{;]*?))\s*(?:from\s+)?['"](\.[^'"]+)['"]/g;
    for (const m of text.matchAll(stmt)) {
      const target = relative(SRC, resolve(dirname(join(SRC, rel)), m[3]!)).replace(/\.js$/, '.ts');
      out.push({ rel, target, names: m[1] !== undefined ? namesIn(m[1].slice(1, -1)) : ['*'] });
    }
    return out;
  });

/** Relative imports of non-test modules, resolved to paths under src/. */
const edges = imports
  .filter(({ rel }) => !rel.endsWith('.test.ts'))
  .flatMap(({ rel, specs }) => specs.filter((s) => s.startsWith('.')).map((s) => ({ rel, target: relative(SRC, resolve(dirname(join(SRC, rel)), s)).replace(/\.js$/, '.ts') })));

describe('layering', () => {
  it('every import points down (or sideways within a folder)', () => {
    const bad: string[] = [];
    for (const { rel, specs } of imports) {
      if (rel.endsWith('.test.ts')) continue;
      const from = layerOf(rel);
      for (const s of specs) {
        if (!s.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(join(SRC, rel)), s)).replace(/\.js$/, '.ts');
        const to = layerOf(target);
        if (to === from) continue;
        const rf = RANK[from];
        const rt = RANK[to];
        if (rf === undefined || rt === undefined) bad.push(`${rel}: unknown layer ${from} or ${to}`);
        else if (rt > rf) bad.push(`${rel} imports ${target} (upwards: ${from} -> ${to})`);
        else if (PEERS_ISOLATED.some((g) => g.includes(from) && g.includes(to))) bad.push(`${rel} imports peer ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('inside src/sql every import points down the pipeline (parser -> planner -> execution)', () => {
    const bad: string[] = [];
    for (const { rel, specs } of imports) {
      if (rel.endsWith('.test.ts') || layerOf(rel) !== 'sql') continue;
      const from = rel.split('/')[1]!;
      if (SQL_RANK[from] === undefined) bad.push(`${rel}: src/sql/${from} has no rank in SQL_RANK`);
      for (const s of specs) {
        if (!s.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(join(SRC, rel)), s)).replace(/\.js$/, '.ts');
        if (layerOf(target) !== 'sql') continue;
        const to = target.split('/')[1]!;
        if (to === from) continue;
        const rf = SQL_RANK[from];
        const rt = SQL_RANK[to];
        if (rf === undefined || rt === undefined) continue;
        if (rt > rf) bad.push(`${rel} imports ${target} (upwards: sql/${from} -> sql/${to})`);
        else if (SQL_PEERS_ISOLATED.some((g) => g.includes(from) && g.includes(to))) bad.push(`${rel} imports peer ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('same-rank folders import one way (cold -> compaction), and only the public entry of a folder that has one', () => {
    const bad: string[] = [];
    for (const { rel, target } of edges) {
      const from = layerOf(rel);
      const to = layerOf(target);
      if (from === to) continue;
      if (ONE_WAY.some(([a, b]) => from === b && to === a)) bad.push(`${rel} imports ${target} (${to} may import ${from}, not the reverse)`);
      const entry = ENTRY_ONLY[to];
      if (entry !== undefined && target !== entry) bad.push(`${rel} imports ${target} (only ${entry} is public)`);
    }
    expect(bad).toEqual([]);
  });

  it('SQL never imports file formats, compaction, the manifest or Iceberg: only the engine and the cold tier\'s surface', () => {
    const bad: string[] = [];
    for (const { rel, target } of edges) {
      if (layerOf(rel) !== 'sql' || !SQL_FORBIDDEN.includes(layerOf(target))) continue;
      const edge = `${rel} -> ${target}`;
      if (!SQL_KNOWN.includes(edge)) bad.push(edge);
    }
    expect(bad).toEqual([]);
  });

  it('change data capture knows the SQL catalog and row format, not SQL planning or execution', () => {
    const bad = edges.filter(({ rel, target }) => layerOf(rel) === 'cdc' && /^sql\/(planner|execution|parser)\//.test(target)).map(({ rel, target }) => `${rel} -> ${target}`);
    expect(bad).toEqual([]);
  });

  it('the lake uses of SQL only its value types and conversions (it applies change events, never plans or runs SQL)', () => {
    const bad = edges.filter(({ rel, target }) => layerOf(rel) === 'lake' && layerOf(target) === 'sql' && !/^sql\/(types\/|api\/values\.ts$|functions\/datetime)/.test(target)).map(({ rel, target }) => `${rel} -> ${target}`);
    expect(bad).toEqual([]);
  });

  it('the engine never imports SQL: nothing below src/sql imports it', () => {
    const bad = edges.filter(({ rel, target }) => RANK[layerOf(rel)]! < RANK.sql! && layerOf(target) === 'sql').map(({ rel, target }) => `${rel} -> ${target}`);
    expect(bad).toEqual([]);
  });

  it('edges (worker, cli, node, client) use the public API or a declared host interface module, nothing else', () => {
    const bad: string[] = [];
    for (const { rel, target, names } of namedImports) {
      const from = layerOf(rel);
      const to = layerOf(target);
      if (!EDGES.includes(from) || EDGES.includes(to) || to === 'util' || to === 'errors.ts') continue;
      if (HOST_INTERFACES[target] !== undefined) continue;
      const pub = PUBLIC_NAMES.get(target);
      const hidden = names.filter((n) => !pub?.has(n));
      if (hidden.length) bad.push(`${rel} imports ${hidden.join(', ')} from ${target} (neither public in src/index.ts nor a declared host interface)`);
    }
    expect(bad).toEqual([]);
  });

  it('the edge rule sees what it must: named, renamed and type imports, and the host modules exist', () => {
    expect(namedImports.find((i) => i.rel === 'worker/database-host.ts' && i.target === 'sql/api/time-points.ts')?.names).toEqual(expect.arrayContaining(['lsn', 'branch', 'TimePoint']));
    expect(PUBLIC_NAMES.get('sql/api/database.ts')).toEqual(new Set(['Database', 'RunResult', 'ExecuteResult', 'BatchStatement', 'BackupResult', 'ProfiledRows', 'QueryPlanStep', 'QueryStats', 'QueryOptions', 'DatabaseOptions', 'StatementOptions']));
    for (const m of Object.keys(HOST_INTERFACES)) expect(statSync(join(SRC, m)).isFile(), m).toBe(true);
  });

  it('no node: imports in the core (it must run in workerd)', () => {
    const bad: string[] = [];
    for (const { rel, specs } of imports) {
      if (NODE_ALLOWED.some((re) => re.test(rel))) continue;
      for (const s of specs) if (s.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'crypto'].includes(s)) bad.push(`${rel}: ${s}`);
    }
    expect(bad).toEqual([]);
  });
});
