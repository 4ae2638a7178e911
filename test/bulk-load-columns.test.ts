// The bulk loader's allocation-free encoding (src/sql/rows/bulk-row-encoder.ts) and its
// columnar input (ColumnBatch, as a Parquet reader hands columns): random typed values with
// the edges of every encoding (NULL, 0/1, int32 and int64 limits, +-2^53, REAL -0, infinities,
// subnormals, integral REALs past 2^63, unicode text with surrogate pairs, lone surrogates and
// NUL, long text, empty and NUL-holding blobs, numeric strings affinity converts).
//   - BulkRowEncoder against encodeRowValue + makeInternalKey(rowKey()): equal bytes, on tables
//     with dropped and added columns (column-id gaps), rowid aliases, automatic rowids and
//     WITHOUT ROWID keys under NOCASE and RTRIM.
//   - bulkLoad fed column batches and fed row arrays against INSERT: equal stored bytes, with
//     more rows than one sorted flush (the streaming path) and explicit negative rowids before
//     automatic ones (SQLite's max(rowid) + 1, checked against better-sqlite3).
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import type { Database } from '../src/sql/api/database.js';
import { databaseParts } from '../src/sql/api/database.js';
import { bulkLoad, type BulkBatch } from '../src/sql/api/bulk-load.js';
import type { BindValue } from '../src/sql/api/values.js';
import { encodeTablePrefix, KIND_PUT, makeInternalKey, MAIN_BRANCH } from '../src/mvcc/internal-key.js';
import { BulkRowEncoder } from '../src/sql/rows/bulk-row-encoder.js';
import { encodeRowValue } from '../src/sql/rows/row-materializer.js';
import { rowKey } from '../src/sql/rows/row-keys.js';
import type { SqlValue } from '../src/sql/types/value.js';
import { Prng } from '../src/util/prng.js';

const INTS = [0n, 1n, -1n, 2n, 127n, 128n, 2147483647n, 2147483648n, -2147483648n, -2147483649n, 4294967295n, 4294967296n, -4294967296n, -4294967297n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n];
const REALS = [0.5, -0, -0.5, 1e308, -1e308, 5e-324, -5e-324, Infinity, -Infinity, 2 ** 53 + 0.5 * 0, 2 ** 63, -(2 ** 64), 0.1 + 0.2, Math.PI];
const TEXTS = ['', 'a', 'abc', 'é', '日本語', '😀x', 'a\0b', '\ud800', 'x'.repeat(23), 'y'.repeat(24), `${'z'.repeat(100)}ü`, 'w'.repeat(300), ' 12', '12', '1e3', '-0', '0x10', 'ABC ', 'abc  '];

const SAFE_INTS = INTS.filter((v) => v > -(2n ** 53n) && v < 2n ** 53n);

/** A random SqlValue (what the encoder sees after affinity) from the edges above and random ones. */
function sqlValue(rng: Prng): SqlValue {
  switch (rng.int(9)) {
    case 0:
      return null;
    case 1:
      return rng.pick(INTS);
    case 2:
      return BigInt(rng.int(1 << 30)) * BigInt(rng.int(1 << 30)) * (rng.chance(0.5) ? -1n : 1n);
    case 3:
      return rng.pick(REALS);
    case 4:
      return (rng.next() - 0.5) * 10 ** (rng.int(40) - 20);
    case 5:
      return rng.pick(TEXTS);
    case 6:
      return String.fromCodePoint(...Array.from({ length: rng.int(40) }, () => (rng.chance(0.2) ? 0x1f600 + rng.int(50) : rng.chance(0.3) ? 0xe0 + rng.int(200) : 0x20 + rng.int(90))));
    case 7:
      return rng.bytes(rng.int(3) === 0 ? 0 : rng.int(70));
    default:
      return rng.chance(0.5) ? BigInt(rng.int(2000) - 1000) : rng.int(2000) / 7;
  }
}

/** A bind value as a caller gives it: SqlValues plus JS numbers that are integral (bound as INTEGER). */
function bindValue(rng: Prng): BindValue {
  if (rng.chance(0.15)) return rng.int(100000) - 50000;
  if (rng.chance(0.05)) return rng.pick([2 ** 53, -(2 ** 53), 2 ** 62, 1e20]);
  // Safe integers as numbers (the loader keeps them numbers), -0 among them (stored as 0).
  if (rng.chance(0.1)) return rng.chance(0.1) ? -0 : Number(rng.pick(SAFE_INTS));
  return sqlValue(rng);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function rawEntries(db: Database): Promise<string[]> {
  const e = await db.engine();
  const out: string[] = [];
  for await (const kv of e.scanRaw(encodeTablePrefix(0, 16), encodeTablePrefix(0, 1 << 20), e.lastVisibleLsn, false)) out.push(`${hex(kv.rawKey)}=${hex(kv.value)}`);
  return out;
}

const TABLES: { name: string; ddl: string[] }[] = [
  { name: 'alias, dropped and added columns', ddl: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a, gone, b TEXT, c REAL)', 'ALTER TABLE t DROP COLUMN gone', 'ALTER TABLE t ADD COLUMN d BLOB'] },
  { name: 'automatic rowid', ddl: ['CREATE TABLE t(x, y INTEGER, z NUMERIC)'] },
  { name: 'WITHOUT ROWID, NOCASE and RTRIM keys', ddl: ['CREATE TABLE t(k TEXT COLLATE NOCASE, n, v, r TEXT COLLATE RTRIM, PRIMARY KEY(k, n, r)) WITHOUT ROWID'] },
];

describe('bulk load encoding', () => {
  for (const [ti, table] of TABLES.entries()) {
    it(`BulkRowEncoder writes encodeRowValue's and makeInternalKey(rowKey())'s bytes: ${table.name}`, async () => {
      const db = DB(`enc${ti}`, { storage: 'memory' });
      for (const d of table.ddl) await db.exec(d);
      const t = databaseParts(db).core.currentCatalog().findTable('t')!;
      const rng = new Prng(700 + ti);
      for (const lsn of [1, 0x1234_5678_9a, 2 ** 53 - 1]) {
        const enc = new BulkRowEncoder(t, MAIN_BRANCH, lsn);
        for (let i = 0; i < 2000; i++) {
          const values: SqlValue[] = t.columns.map(() => sqlValue(rng));
          let rowid: bigint | null = null;
          if (!t.withoutRowid) {
            rowid = rng.chance(0.3) ? rng.pick(INTS) : BigInt(rng.int(1 << 30) - (1 << 29));
            if (t.rowidAlias >= 0) values[t.rowidAlias] = rowid;
            values.push(rowid);
          } else {
            // key columns hold no NULL (SQLite's WITHOUT ROWID PRIMARY KEY is NOT NULL)
            for (const ci of t.primaryKey) if (values[ci] === null) values[ci] = 'k';
          }
          const want = encodeRowValue(t, values);
          const wantKey = makeInternalKey(rowKey(MAIN_BRANCH, t, values, rowid), lsn, KIND_PUT);
          // Integers as bigints (ints all 0), then the safe ones as numbers flagged in `ints`.
          const safe = (v: SqlValue): v is bigint => typeof v === 'bigint' && v > -(2n ** 53n) && v < 2n ** 53n;
          const asNumbers = values.map((v) => (safe(v) ? Number(v) : v));
          const ints = Uint8Array.from(values, (v) => (safe(v) ? 1 : 0));
          const numRowid = rowid !== null && safe(rowid) ? Number(rowid) : rowid;
          for (const [vals, flags, rid] of [[values, new Uint8Array(values.length), rowid], [asNumbers, ints, numRowid]] as const) {
            enc.encode(vals, rid, flags);
            expect(hex(enc.value.buf.subarray(0, enc.value.pos))).toBe(hex(want));
            expect(hex(enc.key.buf.subarray(0, enc.key.pos))).toBe(hex(wantKey));
            expect(enc.userKeyLength).toBe(wantKey.length - 8);
          }
        }
      }
      await db.close();
    });
  }

  it('column batches and row arrays store the bytes INSERT stores, through the streaming path; automatic rowids follow max(rowid) as in SQLite', async () => {
    const ddl = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT, c REAL, d INTEGER NOT NULL, e BLOB)';
    // The loaded columns in another order than the table's (the loader maps them).
    const columns = ['a', 'id', 'e', 'c', 'b', 'd'];
    const rng = new Prng(4242);
    const n = 9000;
    // Explicit ids, sorted, from negative; then a stretch of automatic ones (NULL id), then
    // explicit ids above them again.
    const rows: BindValue[][] = [];
    let id = -30000;
    for (let i = 0; i < n; i++) {
      const auto = i >= 5000 && i < 6000;
      id += 1 + rng.int(3);
      rows.push([bindValue(rng), auto ? null : id, rng.chance(0.2) ? null : rng.bytes(rng.int(40)), bindValue(rng), bindValue(rng), rng.chance(0.5) ? rng.pick(INTS) : rng.int(1000)]);
      if (auto) id += 1; // automatic ids take max + 1; explicit ones continue above them
    }
    // Column batches of uneven sizes (one row, then larger), and row batches.
    const columnBatches = async function* (): AsyncGenerator<BulkBatch> {
      let i = 0;
      let per = 1;
      while (i < rows.length) {
        const part = rows.slice(i, i + per);
        yield { rowCount: part.length, columns: columns.map((_c, k) => part.map((r) => r[k]!)) };
        i += per;
        per = Math.min(3000, per * 3 + 1);
      }
    };
    const rowBatches = async function* (): AsyncGenerator<BulkBatch> {
      for (let i = 0; i < rows.length; i += 1000) yield rows.slice(i, i + 1000);
    };

    const viaInsert = DB('cols-ins', { storage: 'memory' });
    await viaInsert.exec(ddl);
    await viaInsert.transaction(async (tx) => {
      for (const r of rows) await tx.run(`INSERT INTO t(${columns.join(', ')}) VALUES (?, ?, ?, ?, ?, ?)`, r);
    });
    const want = await rawEntries(viaInsert);
    expect(want.length).toBe(n);
    for (const [name, source] of [
      ['columns', columnBatches],
      ['rows', rowBatches],
    ] as const) {
      const db = DB(`cols-${name}`, { storage: 'memory' });
      await db.exec(ddl);
      const res = await bulkLoad(db, 't', columns, source());
      expect(res.rows).toBe(n);
      expect(await rawEntries(db)).toEqual(want);
      await db.close();
    }
    await viaInsert.close();

    // The automatic rowids against SQLite (dosql binds integral numbers as INTEGER: bind bigints there).
    const lite = new Sqlite(':memory:');
    lite.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, d INTEGER)');
    const ins = lite.prepare('INSERT INTO t VALUES (?, ?)');
    lite.transaction(() => rows.forEach((r, i) => ins.run(r[1] === null ? null : BigInt(r[1] as number), i)))();
    const db = DB('cols-ids', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, d INTEGER)');
    await bulkLoad(db, 't', ['id', 'd'], (async function* (): AsyncGenerator<BulkBatch> {
      yield { rowCount: rows.length, columns: [rows.map((r) => r[1]!), rows.map((_r, i) => i)] };
    })());
    const got = (await db.query<{ id: number; d: number }>('SELECT id, d FROM t ORDER BY id')).map((r) => `${r.id}:${r.d}`);
    expect(got).toEqual((lite.prepare('SELECT id, d FROM t ORDER BY id').all() as { id: number; d: number }[]).map((r) => `${r.id}:${r.d}`));
    await db.close();
    lite.close();
  });
});
