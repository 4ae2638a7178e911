// A damaged latest manifest (issue 13, item 10): open fails with CORRUPTION naming it and
// pointing at `dosql repair`; repair reports every manifest version, the newest one whose files
// verify and what falling back to it loses, changes nothing without `apply`, and with it writes
// a manifest from which the database opens with that version's data plus the WAL replay.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { DoSQLError } from '../src/errors.js';
import { repair, DB } from '../src/index.js';
import { latestManifestVersion, manifestKey } from '../src/manifest/version-set.js';
import { main } from '../src/cli/main.js';
import { scanSegment } from '../src/lsm/wal-format.js';
import type { CliIO } from '../src/cli/io.js';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const put = (k: number, s: string): WriteBatch => new WriteBatch().put(1, [k], v(s));
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dosql-repair-'));
  dirs.push(d);
  return d;
}

/** Every file under `dir` with its bytes, to prove nothing changed. */
function snapshotFolder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.dosql-internal') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, readFileSync(p).toString('base64'));
    }
  };
  walk(dir, '');
  return out;
}

function flipByte(file: string, offset: number): void {
  const b = readFileSync(file);
  b[offset] = b[offset]! ^ 0x5a;
  writeFileSync(file, b);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<DoSQLError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe(code);
    return e as DoSQLError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** Keys 0..n-1 written one commit each (key k at LSN k + 1): flushed in three files, the rest in the WAL. */
async function build(dir: string, n: number, last: 'pin' | 'flush'): Promise<void> {
  const store = new FsObjectStore(dir);
  const e = await LsmEngine.open({ store, compaction: { background: false } });
  for (let k = 0; k < n; k++) {
    await e.write(put(k, `v${k}`));
    if (k === 49 || k === 99 || k === 149) await e.flush();
  }
  // The manifest change that will be damaged: one that deletes nothing, or a flush (which
  // deletes the WAL segments it wrote out).
  if (last === 'pin') await e.pinLsn(10, 'test');
  else await e.flush();
  await e.close();
  await store.close();
}

describe('repair', () => {
  it('a damaged latest manifest: open fails naming it; repair reports, changes nothing, then falls back with --apply', async () => {
    const dir = tempDir();
    await build(dir, 200, 'pin');
    const store = new FsObjectStore(dir);
    const latest = await latestManifestVersion(store);
    const key = manifestKey(latest);
    flipByte(join(dir, key), 30);

    const err = await expectCode(LsmEngine.open({ store }), 'CORRUPTION');
    expect(err.message).toContain(key);
    expect(err.message).toContain('dosql repair');
    expect(err.details.file).toBe(key);

    const before = snapshotFolder(dir);
    const report = await repair(dir);
    expect(snapshotFolder(dir)).toEqual(before);
    expect(report.healthy).toBe(false);
    expect(report.manifests[0]).toMatchObject({ key, version: latest, status: 'damaged' });
    expect(report.manifests[0]!.problems[0]).toMatch(/checksum mismatch/);
    expect(report.manifests.slice(1).every((m) => m.status === 'ok')).toBe(true);
    expect(report.fallback).toMatchObject({ key: manifestKey(latest - 1), version: latest - 1, flushedLsn: 150, recoveredLsn: 200, walCommits: 50, walStoppedBy: null });
    expect(report.lost).toBeNull();
    expect(report.applied).toBeNull();

    const applied = await repair(dir, { apply: true });
    expect(applied.applied).toMatchObject({ key: manifestKey(latest + 1), version: latest + 1 });
    expect(readFileSync(join(dir, key)).length).toBeGreaterThan(0); // the damaged version stays
    const e = await LsmEngine.open({ store });
    for (let k = 0; k < 200; k++) expect(str(await e.get(1, [k])), `key ${k}`).toBe(`v${k}`);
    expect(e.lastVisibleLsn).toBe(200);
    await e.write(put(1000, 'after'));
    await e.close();
    const again = await LsmEngine.open({ store });
    expect(str(await again.get(1, [1000]))).toBe('after');
    expect(str(await again.get(1, [199]))).toBe('v199');
    await again.close();
    expect((await repair(dir)).healthy).toBe(true);
    await store.close();
  });

  it('falling back past a flush: reports the LSNs the deleted WAL held as lost, and the reopened database holds exactly the rest', async () => {
    const dir = tempDir();
    await build(dir, 200, 'flush');
    const store = new FsObjectStore(dir);
    const latest = await latestManifestVersion(store);
    flipByte(join(dir, manifestKey(latest)), 25);
    const report = await repair(dir);
    expect(report.fallback).toMatchObject({ version: latest - 1, flushedLsn: 150, recoveredLsn: 150 });
    // The damaged flush moved LSNs 151..200 into an SSTable the fallback does not list and deleted their WAL.
    expect(report.lost).toEqual({ fromLsn: 151, toLsn: 200 });
    expect(report.unreferencedFiles.length).toBe(1);
    await repair(dir, { apply: true });
    const e = await LsmEngine.open({ store });
    for (let k = 0; k < 150; k++) expect(str(await e.get(1, [k]))).toBe(`v${k}`);
    for (let k = 150; k < 200; k++) expect(await e.get(1, [k])).toBeUndefined();
    expect(e.lastVisibleLsn).toBe(150);
    await e.close();
    await store.close();
  });

  it('a damaged SSTable: every version that lists it is rejected, naming the file and offset', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, compaction: { background: false } });
    for (let k = 0; k < 60; k++) {
      await e.write(put(k, `v${k}`));
      if (k === 29) await e.flush();
    }
    await e.close();
    const sst = (await store.list('sst/'))[0]!.key;
    const bytes = (await store.get(sst))!.data;
    bytes[5] = bytes[5]! ^ 0xff; // inside the first data block
    await store.put(sst, bytes);
    const r = await repair(store);
    expect(r.healthy).toBe(false);
    const rejected = r.manifests.filter((m) => m.status === 'bad-files');
    expect(rejected.map((m) => m.version)).toEqual([2]); // the flush
    for (const m of rejected) expect(m.problems).toEqual([`sstable: corruption in ${sst} at offset 0: block checksum mismatch`]);
    // The version before the flush verifies, but the flush deleted the WAL segment it replays
    // from: falling back to it recovers nothing, and says so.
    expect(r.fallback).toMatchObject({ version: 1, recoveredLsn: 0 });
    expect(r.fallback!.walStoppedBy).toMatch(/segment 1 of epoch 1 is missing/);
    expect(r.lost).toEqual({ fromLsn: 1, toLsn: 60 });
  });

  it('a damaged WAL record stops the replay there: the LSNs after it are reported lost and are not in the reopened database', async () => {
    const dir = tempDir();
    await build(dir, 200, 'pin');
    const store = new FsObjectStore(dir);
    const latest = await latestManifestVersion(store);
    flipByte(join(dir, manifestKey(latest)), 30);
    // Damage the record of LSN 181 (key 180) in the segment the fallback replays.
    const segs = (await store.list('wal/')).map((o) => o.key);
    let damaged = false;
    for (const key of segs) {
      const data = (await store.get(key))!.data;
      const rec = scanSegment(data, key).records.find((x) => x.record.lsn === 181);
      if (rec) {
        flipByte(join(dir, key), rec.offset + 14);
        damaged = true;
      }
    }
    expect(damaged).toBe(true);
    const r = await repair(dir);
    expect(r.fallback).toMatchObject({ version: latest - 1, recoveredLsn: 180 });
    expect(r.fallback!.walStoppedBy).toMatch(/record body checksum mismatch/);
    expect(r.lost).toEqual({ fromLsn: 181, toLsn: 200 });
    await repair(dir, { apply: true });
    const e = await LsmEngine.open({ store });
    for (let k = 0; k < 180; k++) expect(str(await e.get(1, [k]))).toBe(`v${k}`);
    for (let k = 180; k < 200; k++) expect(await e.get(1, [k])).toBeUndefined();
    await e.write(put(500, 'new'));
    await e.close();
    const again = await LsmEngine.open({ store });
    expect(str(await again.get(1, [500]))).toBe('new');
    expect(again.lastVisibleLsn).toBe(181);
    await again.close();
    await store.close();
  });

  it('repair of a healthy database finds nothing to do and writes nothing, even with apply', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store });
    await e.write(put(1, 'x'));
    await e.close();
    const before = await latestManifestVersion(store);
    const r = await repair(store, { apply: true });
    expect(r.healthy).toBe(true);
    expect(r.applied).toBeNull();
    expect(await latestManifestVersion(store)).toBe(before);
    await expectCode(repair(new MemoryObjectStore()), 'NOT_FOUND');
  });

  it('dosql repair <db> [--apply] on a SQL database', async () => {
    const root = tempDir();
    const path = join(root, 'shop');
    const db = DB('shop', { path });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 20; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, `v${i}`]);
    await db.close();
    const store = new FsObjectStore(path);
    const latest = await latestManifestVersion(store);
    await store.close();
    flipByte(join(path, manifestKey(latest)), 40);

    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const sink = (chunks: Buffer[]): Writable => new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
      const io: CliIO = { stdout: sink(out), stderr: sink(err), stdin: new PassThrough(), cwd: root, home: root };
      const code = await main(args, io);
      return { code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
    };
    const failed = await run(['sql', 'shop', 'SELECT count(*) AS n FROM t', '--format', 'json']);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/CORRUPTION.*dosql repair/);
    const mtime = statSync(join(path, manifestKey(latest))).mtimeMs;
    const dry = await run(['repair', 'shop']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`${manifestKey(latest)}  DAMAGED`);
    // Its only manifest is damaged, but nothing was ever flushed: the WAL holds it all.
    expect(latest).toBe(1);
    expect(dry.out).toContain('no manifest version verifies, but the WAL holds the whole history');
    expect(dry.out).toContain('nothing was changed');
    expect(statSync(join(path, manifestKey(latest))).mtimeMs).toBe(mtime);
    const fixed = await run(['repair', 'shop', '--apply']);
    expect(fixed.code).toBe(0);
    expect(fixed.out).toContain(`wrote ${manifestKey(latest + 1)}`);
    const ok = await run(['sql', 'shop', 'SELECT count(*) AS n, max(v) AS m FROM t', '--format', 'json']);
    expect(ok.err).toBe('');
    expect(JSON.parse(ok.out)).toEqual([{ n: 20, m: 'v9' }]);
    const json = await run(['repair', 'shop', '--format', 'json']);
    expect(JSON.parse(json.out).healthy).toBe(true);
  });
});
