// Sharding, differentially: one random schema (users and orders co-located under a random
// vindex with a lookup vindex on users.email, events under a range or consistent-hash vindex,
// a reference table), random rows, then random reads and writes run on one unsharded dosql
// database and on a 4-shard cluster (createShardExecutor over four in-memory databases). Every
// answer must match: rows (as multisets unless the query's ORDER BY is total), column names,
// and for writes the change count. Generators: test/support/shard-gen.ts.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { createShardExecutor, localShard } from '../src/shard/index.js';
import { onCluster, onSingle, type Answer } from './support/shard-answers.js';
import { DDL, initialData, int, randomRead, randomVSchema, randomWrite, rng, SHARDS, type Stmt } from './support/shard-gen.js';

const SEEDS = [1, 2, 3, 4, 5, 6];
const STATEMENTS = 140;

function comparable(a: Answer, ordered: boolean): Answer {
  return a.ok && !ordered ? { ...a, rows: [...a.rows].sort() } : a;
}

async function runSeed(seed: number): Promise<{ mismatches: string[]; reads: number; writes: number; describe: string }> {
  const r = rng(seed);
  const { vschema, describe: vs } = randomVSchema(r);
  const single = DB(`single-${seed}`, { storage: 'memory' });
  const dbs = SHARDS.map((s) => DB(`${s}-${seed}`, { storage: 'memory' }));
  const ex = createShardExecutor({ vschema, shards: Object.fromEntries(SHARDS.map((s, i) => [s, localShard(s, dbs[i]!)])) });
  const mismatches: string[] = [];
  try {
    for (const d of DDL) {
      await single.exec(d);
      await ex.exec(d);
    }
    for (const s of initialData(r)) {
      const [a, b] = [await onSingle(single, s), await onCluster(ex, s)];
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`setup ${s.sql} ${JSON.stringify(s.params, big)}: single ${JSON.stringify(a)} cluster ${JSON.stringify(b)}`);
    }
    // A point in time after the initial data and before any change: AS OF it, both hold the initial rows.
    await new Promise((res) => setTimeout(res, 20));
    const asOf = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await new Promise((res) => setTimeout(res, 20));
    let next = 1000;
    let reads = 0;
    let writes = 0;
    for (let i = 0; i < STATEMENTS && mismatches.length < 3; i++) {
      const s = r() < 0.3 ? randomWrite(r, () => next++ + int(r, 0, 3)) : randomRead(r, asOf);
      if (s.write) writes++;
      else reads++;
      const a = comparable(await onSingle(single, s), s.ordered);
      const b = comparable(await onCluster(ex, s), s.ordered);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`#${i} ${s.sql} ${JSON.stringify(s.params, big)}\n  single:  ${JSON.stringify(a).slice(0, 600)}\n  cluster: ${JSON.stringify(b).slice(0, 600)}`);
      if (s.write) {
        // After each write, the written table holds the same rows on both: a wrong write is caught where it happens.
        const table = /(?:INTO|UPDATE|FROM)\s+(\w+)/i.exec(s.sql)![1]!;
        const all: Stmt = { sql: `SELECT * FROM ${table}`, params: [], ordered: false, write: false };
        const [x, y] = [comparable(await onSingle(single, all), false), comparable(await onCluster(ex, all), false)];
        if (JSON.stringify(x) !== JSON.stringify(y)) {
          const only = (p: Answer, q: Answer): string[] => (p.ok && q.ok ? p.rows.filter((row) => !q.rows.includes(row)) : []);
          mismatches.push(`#${i} after ${s.sql} ${JSON.stringify(s.params, big)}: ${table} differs\n  only in single:  ${only(x, y).join(' ')}\n  only in cluster: ${only(y, x).join(' ')}`);
        }
      }
    }
    return { mismatches, reads, writes, describe: vs };
  } finally {
    await single.close();
    for (const d of dbs) await d.close();
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

describe('a 4-shard cluster answers as one database', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const report = await runSeed(seed);
    expect(report.mismatches, `${report.describe}\n${report.mismatches.join('\n')}`).toEqual([]);
    expect(report.reads).toBeGreaterThan(50);
    expect(report.writes).toBeGreaterThan(15);
  }, 60_000);
});
