// Integrity of columnar run files (issue 13, item 3): damage anywhere in a run file — a data
// page, the footer, either magic, a truncated or lengthened object — is reported as CORRUPTION
// naming the file and an offset by every path that reads runs (point get, scan, the columnar
// aggregate path, AS OF reads, a later cold compaction, Iceberg publishing from runs): never a
// wrong value. The answers of the undamaged database are the oracle (themselves checked against
// SQLite by cold-runs.test.ts and columnar-query.test.ts).
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, MemoryObjectStore, type Database } from '../src/index.js';
import { decodeManifest, encodeManifest } from '../src/manifest/manifest-format.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';

const ROWS = 3000;

interface Paths {
  readonly [name: string]: (db: Database) => Promise<unknown>;
}

/** The read paths over the cold table, each returning its answer. */
function pathsOf(asOfLsn: number): Paths {
  return {
    'point get': (db) => db.query('SELECT * FROM t WHERE id = 1234'),
    scan: (db) => db.query('SELECT * FROM t ORDER BY id'),
    'columnar aggregate': (db) => db.query("SELECT count(s), sum(n), sum(r), min(r), max(id) FROM t WHERE s >= 'c5'"),
    'AS OF': (db) => db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${asOfLsn} WHERE id % 97 = 3 ORDER BY id`),
    'publish from runs': (db) => db.publishIceberg(['t']).then(() => 'published'),
    'later cold compaction': async (db) => {
      await db.run("INSERT INTO t VALUES (999999, 'new', 1, 1.5)");
      await db.compact({ tier: 'cold' });
      return 'compacted';
    },
  };
}

async function copyStore(from: MemoryObjectStore): Promise<MemoryObjectStore> {
  const to = new MemoryObjectStore();
  for (const o of await from.list('')) await to.put(o.key, (await from.get(o.key))!.data);
  return to;
}

/** A database whose table `t` lives in one columnar run file holding two versions of some rows. */
async function build(): Promise<{ store: MemoryObjectStore; asOf: number; runKey: string }> {
  const store = new MemoryObjectStore();
  const db = DB('integrity', { store, retention: 'forever' });
  await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, n INTEGER, r REAL)');
  let asOf = 0;
  await db.transaction(async (tx) => {
    for (let i = 1; i <= ROWS; i++) await tx.run('INSERT INTO t VALUES (?, ?, ?, ?)', [i, `c${(i * 7919) % 100000}`, i * 3, i / 8]);
  });
  asOf = (await db.engine()).lastVisibleLsn;
  await db.run("UPDATE t SET s = s || 'u', n = n + 1 WHERE id % 10 = 0");
  await db.compact({ tier: 'cold' });
  await db.close();
  const runs = (await store.list('cold/runs/')).map((o) => o.key);
  expect(runs).toHaveLength(1);
  return { store, asOf, runKey: runs[0]! };
}

/** Byte offsets inside the run: the middle of a column chunk's pages, the footer, the magics. */
function places(bytes: Uint8Array): Record<string, number> {
  const md = parquetMetadata(bytes);
  const chunk = (name: string): number => {
    const c = md.row_groups[0]!.columns.find((x) => x.meta_data!.path_in_schema[0] === name)!.meta_data!;
    const start = Number(c.dictionary_page_offset ?? c.data_page_offset);
    return start + Math.floor(Number(c.total_compressed_size) * 0.6);
  };
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  return {
    'a data page of s': chunk('s'),
    'a data page of n': chunk('n'),
    'a data page of the LSN column': chunk('_dosql_lsn'),
    'the footer': bytes.length - 8 - Math.floor(footerLength / 2),
    'the leading magic': 1,
    'the closing magic': bytes.length - 2,
  };
}

/** CORRUPTION naming `file` (message and details) and an offset in it. */
function isCorruption(e: unknown, file: string): boolean {
  if (!(e instanceof DoSQLError) || e.code !== 'CORRUPTION') return false;
  return e.details?.file === file && typeof e.details?.offset === 'number' && e.message.includes(file);
}

const same = (a: unknown, b: unknown): boolean => {
  const j = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));
  return j(a) === j(b);
};

describe('columnar run integrity', () => {
  it('every read path answers CORRUPTION naming the file and offset for a flipped byte, a truncated or a lengthened run', async () => {
    const { store, asOf, runKey } = await build();
    const paths = pathsOf(asOf);
    const original = (await store.get(runKey))!.data;

    // The undamaged answers, and proof that the columnar path is the one answering the aggregate.
    const want = new Map<string, unknown>();
    {
      const clean = await copyStore(store);
      const db = DB('integrity', { store: clean, retention: 'forever' });
      const runsBefore = columnarStats.runs;
      for (const [name, read] of Object.entries(paths)) {
        if (name !== 'later cold compaction' && name !== 'publish from runs') want.set(name, await read(db));
      }
      expect(columnarStats.runs - runsBefore).toBe(1);
      expect((want.get('scan') as unknown[]).length).toBe(ROWS);
      await db.close();
    }

    const damages: [string, (b: Uint8Array) => Uint8Array][] = Object.entries(places(original)).map(([where, at]) => [
      `a flipped byte in ${where} (offset ${at})`,
      (b) => {
        const c = b.slice();
        c[at] = c[at]! ^ 0x5a;
        return c;
      },
    ]);
    damages.push(['the run truncated by 100 bytes', (b) => b.slice(0, b.length - 100)]);
    damages.push(['the run truncated to half', (b) => b.slice(0, b.length >> 1)]);
    damages.push(['the run lengthened by 8 bytes', (b) => new Uint8Array([...b, 1, 2, 3, 4, 5, 6, 7, 8])]);

    const failures: string[] = [];
    for (const [damage, apply] of damages) {
      for (const [name, read] of Object.entries(paths)) {
        const copy = await copyStore(store);
        await copy.put(runKey, apply(original));
        const db = DB('integrity', { store: copy, retention: 'forever', warehouse: { url: 'mem://integrity/cold/warehouse' } });
        const what = `${name} with ${damage}`;
        let got: unknown;
        let error: unknown;
        try {
          got = await read(db);
        } catch (e) {
          error = e;
        }
        if (error === undefined) {
          const verdict = want.has(name) ? (same(got, want.get(name)) ? 'the right answer' : 'a WRONG answer') : 'success';
          failures.push(`${what}: ${verdict} instead of CORRUPTION`);
        } else if (!isCorruption(error, runKey)) failures.push(`${what}: ${String(error)} instead of CORRUPTION naming the file and offset`);
        await db.close().catch(() => undefined);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('runs recorded before checksums existed (no cold.checksums in the manifest) still read, unverified', async () => {
    const { store, asOf } = await build();
    const want = new Map<string, unknown>();
    const paths = pathsOf(asOf);
    const reads = Object.entries(paths).filter(([name]) => name !== 'later cold compaction' && name !== 'publish from runs');
    {
      const db = DB('integrity', { store: await copyStore(store), retention: 'forever' });
      for (const [name, read] of reads) want.set(name, await read(db));
      await db.close();
    }
    // Rewrite the newest manifest as an earlier version wrote it.
    const keys = (await store.list('manifest/')).map((o) => o.key).sort();
    const key = keys[keys.length - 1]!;
    const state = decodeManifest((await store.get(key))!.data, key);
    const runs = state.levels.flat(2).filter((f) => f.cold?.checksums);
    expect(runs).toHaveLength(1);
    for (const f of runs) delete f.cold!.checksums;
    await store.put(key, encodeManifest(state));
    const db = DB('integrity', { store, retention: 'forever' });
    for (const [name, read] of reads) expect(same(await read(db), want.get(name)), name).toBe(true);
    // The next cold compaction rewrites the run, with checksums.
    await paths['later cold compaction']!(db);
    const engine = await db.engine();
    const cold = engine.manifest.levels.flat(2).filter((f) => f.tier === 'cold');
    expect(cold.length).toBeGreaterThan(0);
    for (const f of cold) expect(f.cold?.checksums?.footerOffset).toBeGreaterThan(0);
    await db.close();
  });
});
