// POST /db/<name>/admin/backup in workerd: an authenticated backup into the R2 cold bucket under
// the database's `_backups/` (docs/format/backup.md), incremental across runs; the objects are
// listed back through GET /admin/cold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from './support/worker-harness.js';

describe('Worker /admin/backup in workerd', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker({ vars: { DOSQL_MEMTABLE_BYTES: '4096' } });
  }, 180_000);
  afterAll(async () => {
    await w?.destroy();
  });

  type Backup = { id: string; lsn: number; files: number; copied: number; bytesCopied: number; path: string };
  const coldKeys = async (): Promise<string[]> => {
    const r = await w.get<{ prefix: string; objects: { key: string }[] }>('/db/bk/admin/cold');
    expect(r.status).toBe(200);
    return r.body.objects.map((o) => o.key);
  };

  it('backs up into R2 under _backups/, copying only new files the second time', async () => {
    expect((await w.post('/db/bk/exec', { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' })).status).toBe(200);
    for (let i = 0; i < 40; i++) expect((await w.post('/db/bk/query', { sql: 'INSERT INTO t (v) VALUES (?)', params: [`first ${i} ${'x'.repeat(100)}`] })).status).toBe(200);
    // Authenticated like every /db route.
    expect((await w.post('/db/bk/admin/backup', {}, { auth: false })).status).toBe(401);
    const one = await w.post<Backup>('/db/bk/admin/backup', {});
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.files).toBeGreaterThan(0);
    expect(one.body.copied).toBe(one.body.files);
    expect(one.body.lsn).toBeGreaterThanOrEqual(41);
    let keys = await coldKeys();
    expect(keys).toContain(`_backups/${one.body.id}/snapshot.json`);
    expect(keys).toContain(`_backups/${one.body.id}/manifest.bin`);
    expect(keys.filter((k) => k.startsWith('_backups/files/')).length).toBe(one.body.files);

    for (let i = 0; i < 40; i++) expect((await w.post('/db/bk/query', { sql: 'INSERT INTO t (v) VALUES (?)', params: [`second ${i} ${'y'.repeat(100)}`] })).status).toBe(200);
    const two = await w.post<Backup>('/db/bk/admin/backup', {});
    expect(two.status).toBe(200);
    expect(two.body.lsn).toBeGreaterThan(one.body.lsn);
    keys = await coldKeys();
    const dataObjects = keys.filter((k) => k.startsWith('_backups/files/')).length;
    // Exactly the files the first backup lacked were copied (counted in the bucket).
    expect(two.body.copied).toBe(dataObjects - one.body.files);
    expect(two.body.copied).toBeLessThanOrEqual(two.body.files);
    // A full backup copies every file again.
    const full = await w.post<Backup>('/db/bk/admin/backup', { incremental: false });
    expect(full.body.copied).toBe(full.body.files);
  });
});
