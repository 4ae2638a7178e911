// The capture path of change data capture: before images travel with each write into the WAL
// record (format version 2). Key-value transactions: the first write of a key supplies the
// image and later ones keep it, savepoint rollbacks included; `captureBefore` makes the commit
// read the images nobody supplied. SQL: every row write logs its exact before image, with no
// read at commit; index entries, the catalog and the commit log log none.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import type { CommitRecord, WalOp } from '../src/lsm/wal-format.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { Database } from '../src/sql/api/database.js';
import { decodeUserKey, encodeUserKey } from '../src/mvcc/internal-key.js';
import { decodeRow } from '../src/sql/rows/row-codec.js';

const T = 16;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null | undefined): string | null | undefined => (b === undefined || b === null ? b : new TextDecoder().decode(b));

function recorder(engine: LsmEngine): CommitRecord[] {
  const out: CommitRecord[] = [];
  engine.onCommit((rs) => out.push(...rs));
  return out;
}

const opOf = (r: CommitRecord, table: number, key: number): WalOp | undefined => r.ops.find((o) => {
  const k = decodeUserKey(o.userKey);
  return k.table === table && Number(k.key[0]) === key;
});

describe('before images in key-value transactions', () => {
  it('the first write of a key supplies the image; later writes, rollbacks to a savepoint and re-writes keep the committed value', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off' });
    const recs = recorder(engine);
    const b = new WriteBatch();
    b.put(T, [1], enc('one'));
    b.put(T, [2], enc('two'));
    await engine.write(b);
    const uk = (k: number): Uint8Array => encodeUserKey(0, T, [k]);
    const t = engine.begin();
    t.put(uk(1), enc('one-a'), enc('one'));
    t.put(uk(1), enc('one-b'), enc('one-a')); // read its own write: ignored
    const mark = t.mark();
    t.delete(uk(2), enc('two'));
    t.rollbackTo(mark);
    t.put(uk(2), enc('two-b'), enc('two')); // first write again after the rollback
    t.put(uk(3), enc('three'), null);
    t.delete(uk(3), enc('three')); // inserted and deleted: the committed state is still "absent"
    await t.commit();
    const r = recs.at(-1)!;
    expect(r.ops.map((o) => [Number(decodeUserKey(o.userKey).key[0]), o.kind, dec(o.value), dec(o.before)])).toEqual([
      [1, 1, 'one-b', 'one'],
      [2, 1, 'two-b', 'two'],
      [3, 0, undefined, null],
    ]);
    await engine.close();
  });

  it('captureBefore: the commit reads the images no write supplied, through the branch layers, and counts them', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off' });
    const recs = recorder(engine);
    const b = new WriteBatch();
    b.put(T, [1], enc('main-1'));
    await engine.write(b);
    const feature = await engine.branches.create('feature', { parent: 0 });
    const t = engine.begin({ branch: feature.id });
    t.captureBefore = (k) => decodeUserKey(k).table === T;
    t.put(encodeUserKey(feature.id, T, [1]), enc('f-1')); // inherited from main at the base
    t.put(encodeUserKey(feature.id, T, [2]), enc('f-2'));
    t.put(encodeUserKey(feature.id, T + 1, [1]), enc('not captured'));
    await t.commit();
    const r = recs.at(-1)!;
    expect(dec(opOf(r, T, 1)!.before)).toBe('main-1');
    expect(opOf(r, T, 2)!.before).toBeNull();
    expect(opOf(r, T + 1, 1)!.before).toBeUndefined();
    await engine.close();
  });

  it('a plain write batch logs what its ops carry; replacing an op in a batch keeps the first image', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off' });
    const recs = recorder(engine);
    const b = new WriteBatch();
    const uk = encodeUserKey(0, T, [9]);
    b.addRaw({ kind: 1, userKey: uk, value: enc('x'), before: enc('old') });
    b.addRaw({ kind: 1, userKey: uk, value: enc('y') });
    b.put(T, [10], enc('z'));
    await engine.write(b);
    expect(recs.at(-1)!.ops.map((o) => dec(o.before))).toEqual(['old', undefined]);
    await engine.close();
  });
});

describe('before images of SQL writes', () => {
  it('every row write logs the row as it was before the commit, without reading at commit', async () => {
    let engine!: LsmEngine;
    const db = new Database(async () => (engine = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off' })), 'capture');
    await db.open();
    const recs = recorder(engine);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INT)');
    await db.exec('CREATE TABLE w(a TEXT, b TEXT, c INT, PRIMARY KEY (a, b)) WITHOUT ROWID');
    await db.exec("INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
    await db.exec("INSERT INTO w VALUES ('x', 'y', 1)");
    const since = recs.length;
    await db.transaction(async (tx) => {
      await tx.run("UPDATE t SET n = n + 10 WHERE id = 1");
      await tx.run("UPDATE t SET n = n + 10 WHERE id = 1"); // second write of the key
      await tx.run('DELETE FROM t WHERE id = 2');
      await tx.run("INSERT OR REPLACE INTO t VALUES (4, 'c', 40)"); // replaces row 3 through the unique index
      await tx.run("INSERT INTO t VALUES (5, 'e', 5) ON CONFLICT DO NOTHING");
      await tx.run("INSERT INTO w VALUES ('x', 'y', 2) ON CONFLICT (a, b) DO UPDATE SET c = excluded.c * 10");
      await tx.run('UPDATE t SET id = 6 WHERE id = 5'); // a key change: the new key was absent
      await tx.run('ALTER TABLE t ADD COLUMN extra TEXT DEFAULT \'d\'');
      await tx.run("UPDATE t SET extra = 'e' WHERE id = 4");
    });
    expect(recs.length).toBe(since + 1);
    const r = recs.at(-1)!;
    const rows = r.ops.filter((o) => decodeUserKey(o.userKey).table >= 16).map((o) => {
      const k = decodeUserKey(o.userKey);
      return { table: k.table, key: k.key, kind: o.kind, before: o.before === undefined ? 'not logged' : o.before === null ? null : decodeRow(o.before) };
    });
    const t = rows.filter((x) => x.table === 16).sort((a, b) => Number(a.key[0]) - Number(b.key[0]));
    expect(t.map((x) => [Number(x.key[0]), x.kind, x.before])).toEqual([
      [1, 1, [null, 'a', 1n]],
      [2, 0, [null, 'b', 2n]],
      [3, 0, [null, 'c', 3n]],
      [4, 1, null],
      [5, 0, null],
      [6, 1, null],
    ]);
    const wRow = rows.find((x) => x.key[0] === 'x' && x.key[1] === 'y')!;
    expect(wRow.before).toEqual(['x', 'y', 1n]);
    // Index entries carry no image; neither do the catalog and the commit log.
    expect(r.ops.filter((o) => o.before !== undefined).length).toBe(t.length + 1);
    expect(r.ops.filter((o) => decodeUserKey(o.userKey).table < 16).every((o) => o.before === undefined)).toBe(true);
    expect(engine.log.beforeImageReads).toBe(0);
    await db.close();
  });

  it('DROP TABLE logs no images for the rows it deletes (and reads none); a merge reads its images at commit', async () => {
    let engine!: LsmEngine;
    const db = new Database(async () => (engine = await LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off' })), 'capture');
    await db.open();
    const recs = recorder(engine);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await db.branch('f');
    await db.checkout('f');
    await db.exec("UPDATE t SET v = 'bb' WHERE id = 2");
    await db.checkout('main');
    await db.merge('f');
    const merged = recs.at(-1)!;
    const op = merged.ops.find((o) => decodeUserKey(o.userKey).table === 16)!;
    expect(decodeRow(op.before!)).toEqual([null, 'b']);
    expect(engine.log.beforeImageReads).toBe(1);
    await db.exec('DROP TABLE t');
    const dropped = recs.at(-1)!;
    expect(dropped.ops.filter((o) => decodeUserKey(o.userKey).table === 16).every((o) => o.before === undefined && o.kind === 0)).toBe(true);
    expect(engine.log.beforeImageReads).toBe(1);
    await db.close();
  });
});
