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
  vector: 8,
  shard: 9,
  worker: 10,
  client: 10,
  cli: 10,
  node: 10,
  'index.ts': 11,
};

/** Same-rank folders that must not import each other. */
const PEERS_ISOLATED = [['memtable', 'sstable', 'columnar', 'manifest']];

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

  it('no node: imports in the core (it must run in workerd)', () => {
    const bad: string[] = [];
    for (const { rel, specs } of imports) {
      if (NODE_ALLOWED.some((re) => re.test(rel))) continue;
      for (const s of specs) if (s.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'crypto'].includes(s)) bad.push(`${rel}: ${s}`);
    }
    expect(bad).toEqual([]);
  });
});
