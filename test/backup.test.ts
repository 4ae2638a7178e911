// Backups and restores (seed 003, "Backup & Recovery"): a backup taken while writes go on is
// consistent at one LSN; restores to three LSNs each equal `FOR SYSTEM_TIME AS OF LSN` on the
// original; a damaged file is found and named; an incremental backup copies only new files.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError, listBackups, restore, verifyBackup } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('db.backup() and restore()', () => {
  it('backs up under load, restores to three LSNs equal to AS OF on the original, and copies only new files incrementally', async () => {
    // No background compaction: the files of the first backup are still live at the second (a
    // compaction would rewrite them all into new files, which an incremental backup must copy).
    const db = DB('app', { path: join(root, 'app'), memtableBytes: 8 * 1024, compaction: { background: false, l0CompactionTrigger: 100, l0SlowdownTrigger: 100, l0StopTrigger: 100 } });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)');
    const lsns: number[] = [];
    let stop = false;
    let n = 0;
    // The load: inserts, updates and deletes without pause while the backups run.
    const load = (async () => {
      while (!stop) {
        n++;
        const r = n % 7 === 0 ? await db.run('DELETE FROM t WHERE id = (SELECT min(id) FROM t)') : n % 3 === 0 ? await db.run('UPDATE t SET v = ? WHERE id = (SELECT max(id) FROM t)', [`u${n}`]) : await db.run('INSERT INTO t (k, v) VALUES (?, ?)', [n, `row ${n} ${'x'.repeat(n % 50)}`]);
        lsns.push(r.lsn);
        await new Promise((res) => setImmediate(res));
      }
    })();
    const waitFor = async (count: number): Promise<void> => {
      while (lsns.length < count) await new Promise((res) => setTimeout(res, 5));
    };
    const folder = join(root, 'backups');
    await waitFor(150);
    const first = await db.backup(folder);
    expect(first.copied).toBe(first.files);
    await waitFor(lsns.length + 300);
    const second = await db.backup(folder);
    stop = true;
    await load;
    expect(second.lsn).toBeGreaterThan(first.lsn);

    // Incremental: exactly the files the first backup did not have were copied.
    const firstFiles = new Set(JSON.parse(readFileSync(join(first.path, 'snapshot.json'), 'utf8')).files.map((f: { key: string }) => f.key));
    const secondFiles: { key: string }[] = JSON.parse(readFileSync(join(second.path, 'snapshot.json'), 'utf8')).files;
    const fresh = secondFiles.filter((f) => !firstFiles.has(f.key)).length;
    expect(second.copied).toBe(fresh);
    expect(second.copied).toBeLessThan(second.files);
    expect(filesUnder(join(folder, 'files')).length).toBe(new Set([...firstFiles, ...secondFiles.map((f) => f.key)]).size);
    expect(listBackups(folder)).toEqual([first.id, second.id]);

    // Three points: inside the first backup, between the backups, and the second backup's LSN.
    const points = [lsns.find((l) => l > first.lsn / 2)!, lsns.find((l) => l > first.lsn + 50)!, second.lsn];
    expect(points[1]!).toBeLessThan(second.lsn);
    for (const [i, at] of points.entries()) {
      const restored = await restore(folder, { to: join(root, `restored-${i}`), asOf: at });
      const want = await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${at} ORDER BY id`);
      expect(want.length).toBeGreaterThan(0);
      expect(await restored.query('SELECT * FROM t ORDER BY id'), `as of LSN ${at}`).toEqual(want);
      // The restored database is a database: it takes writes.
      await restored.run('INSERT INTO t (k, v) VALUES (0, ?)', ['after restore']);
      await restored.close();
    }
    // The first backup restores as it was at its own LSN.
    const old = await restore(folder, { to: join(root, 'restored-first'), id: first.id });
    expect(await old.query('SELECT * FROM t ORDER BY id')).toEqual(await db.query(`SELECT * FROM t FOR SYSTEM_TIME AS OF LSN ${first.lsn} ORDER BY id`));
    await old.close();
    await db.close();
  });

  it('detects a damaged backup file by name, before restoring anything', async () => {
    const db = DB('dmg', { path: join(root, 'dmg'), memtableBytes: 4 * 1024 });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 200; i++) await db.run('INSERT INTO t (v) VALUES (?)', [`value ${i}`]);
    const folder = join(root, 'dmg-backups');
    const b = await db.backup(folder);
    await db.close();
    await expect(verifyBackup(folder)).resolves.toMatchObject({ id: b.id, lsn: b.lsn });
    const victim = filesUnder(join(folder, 'files')).sort()[0]!;
    const bytes = readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(victim, bytes);
    const err = await restore(folder, { to: join(root, 'dmg-restored') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('CORRUPTION');
    expect((err as DoSQLError).message).toContain(victim);
    expect(readdirSync(root)).not.toContain('dmg-restored');
  });
});

describe('dosql backup / dosql restore', () => {
  it('backs up, lists, verifies and restores from the command line', async () => {
    const { main } = await import('../src/cli/main.js');
    const { PassThrough, Writable } = await import('node:stream');
    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const out: string[] = [];
      const err: string[] = [];
      const sink = (into: string[]) => new Writable({ write: (c: Buffer, _e, cb) => (into.push(c.toString()), cb()) });
      const stdin = new PassThrough();
      stdin.end();
      const code = await main(args, { stdout: sink(out), stderr: sink(err), stdin, cwd: root, home: root });
      return { code, out: out.join(''), err: err.join('') };
    };
    const db = DB('cli', { path: join(root, 'cli') });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const { lsn } = await db.run("INSERT INTO t (v) VALUES ('one')");
    await db.run("INSERT INTO t (v) VALUES ('two')");
    await db.close();
    const b = await run(['backup', 'cli', 'cli-backups']);
    expect(b.code, b.err).toBe(0);
    const made = JSON.parse(b.out) as { id: string; lsn: number; copied: number };
    expect((await run(['backup', 'cli-backups', '--list'])).out.trim()).toBe(made.id);
    expect((await run(['backup', 'cli-backups', '--verify'])).out).toContain(`backup ${made.id} verified`);
    const again = JSON.parse((await run(['backup', 'cli', 'cli-backups'])).out) as { copied: number };
    expect(again.copied).toBe(0);
    const r = await run(['restore', 'cli-backups', 'cli-restored', '--as-of', `lsn:${lsn}`]);
    expect(r.code, r.err).toBe(0);
    const q = await run(['sql', 'cli-restored', 'SELECT v FROM t ORDER BY id', '--format', 'json']);
    expect(JSON.parse(q.out)).toEqual([{ v: 'one' }]);
  });
});
