// Point-in-time restore past a backup (seed 003's `_archive/` and `_backups/`): with the WAL
// archive on and a retention of 0 LSNs (old versions compacted away, so AS OF on the original
// no longer reaches them), a restore from a backup plus the archive reaches three LSNs after the
// backup, each equal to a model of the table kept at that LSN. Backups also go to an
// ObjectStore (an R2-style `_backups/` prefix) with the same verification.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError, FsObjectStore, listBackupsIn, MemoryObjectStore, PrefixedObjectStore, restore, verifyBackup } from '../src/index.js';


const root = mkdtempSync(join(tmpdir(), 'dosql-pitr-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Row = { id: number; k: number; v: string };

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sorted(model: Map<number, Row>): Row[] {
  return [...model.values()].sort((a, b) => a.id - b.id);
}

describe('restore past the backup from the WAL archive', () => {
  it('restores three LSNs after the backup, beyond the retention, each equal to the model at that LSN', async () => {
    const path = join(root, 'live');
    const db = DB('live', {
      path,
      walArchive: true,
      archiveRetention: 'forever',
      retention: 0,
      memtableBytes: 4 * 1024,
      compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 12 },
    });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)');
    const model = new Map<number, Row>();
    const at = new Map<number, Row[]>();
    const rand = rng(22);
    let next = 1;
    const step = async (): Promise<number> => {
      const r = rand();
      const ids = [...model.keys()];
      if (r < 0.5 || ids.length < 5) {
        const row = { id: next++, k: Math.floor(rand() * 1000), v: `v${next} ${'x'.repeat(Math.floor(rand() * 60))}` };
        const res = await db.run('INSERT INTO t (id, k, v) VALUES (?, ?, ?)', [row.id, row.k, row.v]);
        model.set(row.id, row);
        return res.lsn;
      }
      const id = ids[Math.floor(rand() * ids.length)]!;
      if (r < 0.8) {
        const k = Math.floor(rand() * 1000);
        const res = await db.run('UPDATE t SET k = ?, v = v || ? WHERE id = ?', [k, '+', id]);
        model.set(id, { ...model.get(id)!, k, v: `${model.get(id)!.v}+` });
        return res.lsn;
      }
      const res = await db.run('DELETE FROM t WHERE id = ?', [id]);
      model.delete(id);
      return res.lsn;
    };
    for (let i = 0; i < 200; i++) at.set(await step(), sorted(model));
    const backups = join(root, 'backups');
    const b = await db.backup(backups);
    const lsns: number[] = [];
    for (let i = 0; i < 900; i++) {
      const lsn = await step();
      lsns.push(lsn);
      at.set(lsn, sorted(model));
    }
    // Every commit flushed, so every segment after the backup is sealed and archived.
    await db.checkpoint();
    await db.compact({ full: true });
    const archived = readdirSync(join(path, '_archive', 'wal'));
    expect(archived.length).toBeGreaterThanOrEqual(3);

    const points = [lsns[100]!, lsns[450]!, lsns.at(-1)!];
    // The history is gone from the live database: AS OF cannot reach the first point.
    await expect(db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${points[0]}`)).rejects.toBeInstanceOf(DoSQLError);
    for (const [i, lsn] of points.entries()) {
      expect(lsn).toBeGreaterThan(b.lsn);
      const r = await restore(backups, { to: join(root, `pitr-${i}`), asOf: lsn, archive: path });
      expect(await r.query<Row>('SELECT id, k, v FROM t ORDER BY id'), `as of LSN ${lsn}`).toEqual(at.get(lsn));
      // A database that takes writes, with LSNs after the one restored.
      const w = await r.run('INSERT INTO t (k, v) VALUES (0, ?)', ['after restore']);
      expect(w.lsn).toBeGreaterThan(lsn);
      await r.close();
    }
    // Reopened, a restored database holds the same rows (the replayed commits were made durable).
    const again = DB('again', { path: join(root, 'pitr-1') });
    expect((await again.query<Row>('SELECT id, k, v FROM t WHERE v <> ? ORDER BY id', ['after restore']))).toEqual(at.get(points[1]!));
    await again.close();

    // Past what the archive holds: NOT_FOUND naming the first missing LSN, nothing restored.
    const past = await restore(backups, { to: join(root, 'pitr-past'), asOf: lsns.at(-1)! + 10, archive: path }).catch((e: unknown) => e);
    expect((past as DoSQLError).code).toBe('NOT_FOUND');
    expect((past as DoSQLError).message).toContain(`LSN ${lsns.at(-1)! + 1}`);
    // Without the archive: INVALID_ARGUMENT saying where to find one.
    const none = await restore(backups, { to: join(root, 'pitr-none'), asOf: points[0]! }).catch((e: unknown) => e);
    expect((none as DoSQLError).code).toBe('INVALID_ARGUMENT');
    await db.close();

    // A damaged archive segment is named, before anything is written.
    const victim = join(path, '_archive', 'wal', archived.sort()[archived.length - 1]!);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 20]! ^= 0x10;
    writeFileSync(victim, bytes);
    const bad = await restore(backups, { to: join(root, 'pitr-bad'), asOf: lsns.at(-1)!, archive: path }).catch((e: unknown) => e);
    expect((bad as DoSQLError).code).toBe('CORRUPTION');
    expect((bad as DoSQLError).message).toContain(archived.sort()[archived.length - 1]!);
    expect(readdirSync(root)).not.toContain('pitr-bad');
  });
});

describe('backups to an ObjectStore', () => {
  it('backs up to an R2-style _backups/ prefix, incrementally, verifies and restores from it', async () => {
    const db = DB('obj', { path: join(root, 'obj'), memtableBytes: 4 * 1024, compaction: { background: false, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 } });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 150; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`first ${i} ${'y'.repeat(40)}`]);
    const bucket = new MemoryObjectStore();
    const target = new PrefixedObjectStore(bucket, '_backups');
    const one = await db.backup(target);
    expect(one.copied).toBe(one.files);
    expect(one.path).toBe(`${one.id}/`);
    for (let i = 0; i < 150; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`second ${i} ${'z'.repeat(40)}`]);
    const two = await db.backup(target);
    // Only the files the first backup lacked were copied: count them in the bucket.
    const dataObjects = (await bucket.list('_backups/files/')).length;
    expect(two.copied).toBe(dataObjects - one.files);
    expect(two.copied).toBeLessThan(two.files);
    expect((await bucket.list('_backups/')).every((o) => o.key.startsWith('_backups/'))).toBe(true);
    expect(await listBackupsIn(target)).toEqual([one.id, two.id]);
    await expect(verifyBackup(target)).resolves.toMatchObject({ id: two.id, lsn: two.lsn });
    const want = await db.query('SELECT * FROM t ORDER BY id');
    await db.close();
    const r = await restore(target, { to: join(root, 'obj-restored') });
    expect(await r.query('SELECT * FROM t ORDER BY id')).toEqual(want);
    await r.close();
    // A damaged object is named by its key.
    const key = (await bucket.list('_backups/files/'))[0]!.key;
    const obj = (await bucket.get(key))!.data.slice();
    obj[obj.length >> 1]! ^= 1;
    await bucket.put(key, obj);
    const err = await verifyBackup(target).catch((e: unknown) => e);
    expect((err as DoSQLError).code).toBe('CORRUPTION');
    expect((err as DoSQLError).message).toContain(key.slice('_backups/'.length));
    // The same objects as a folder backup: an FsObjectStore over a folder reads them alike.
    expect(FsObjectStore).toBeTypeOf('function');
  });
});
