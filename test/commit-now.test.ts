// The write path's synchronous commit (WritePath.writeNow): a transaction commit with
// durability 'normal' or 'off', on a store that appends and answers the fence check without
// waiting, is made durable before engine.commit returns its (resolved) promise. It must keep
// the group commit's promises: acknowledged only after its WAL append (it survives a crash:
// the next open replays it), never acknowledged once a newer writer fenced us, and in LSN
// order with commits queued by write().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoSQLError } from '../src/errors.js';
import { DB } from '../src/index.js';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { encodeUserKey } from '../src/mvcc/internal-key.js';
import { DurableObjectStore } from '../src/storage/do-store.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { SqliteDoStorage } from './support/worker-sqlite-storage.js';
import type { AppendableObject, ObjectStore } from '../src/storage/object-store.js';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** A memory store that counts how WAL bytes were appended: synchronously (the fast path) or not. */
class CountingStore extends MemoryObjectStore {
  appendsNow = 0;
  appendsLater = 0;
  override async openAppendable(key: string): Promise<AppendableObject> {
    const inner = await super.openAppendable(key);
    const outer = this;
    return {
      key,
      get size() {
        return inner.size;
      },
      append(d) {
        outer.appendsLater++;
        return inner.append(d);
      },
      appendSync(d) {
        outer.appendsNow++;
        inner.appendSync!(d);
      },
      sync: () => inner.sync(),
      close: () => inner.close(),
    };
  }
}

/** Commits key `k` = `value` in a transaction of its own (begin throws FENCED once the engine knows: a rejection here). */
async function commitOne(e: LsmEngine, k: number, value: string): Promise<{ lsn: number }> {
  const t = e.begin();
  t.put(encodeUserKey(0, 1, [k]), v(value));
  return e.commit(t);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

describe('synchronous commit (WritePath.writeNow)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  for (const durability of ['normal', 'off'] as const) {
    it(`durability ${durability}: every acknowledged commit is in the WAL (the next open replays it, without a close)`, async () => {
      const store = new CountingStore();
      const a = await LsmEngine.open({ store, durability, memtableBytes: 16 * 1024 });
      const acked: { k: number; lsn: number }[] = [];
      for (let k = 0; k < 300; k++) {
        const before = store.appendsNow;
        const info = await commitOne(a, k, `v${k}`);
        // The fast path took it: one synchronous append per commit (none when a memtable switch sent it to the queue).
        expect(store.appendsNow - before).toBeLessThanOrEqual(1);
        acked.push({ k, lsn: info.lsn });
      }
      expect(store.appendsNow).toBeGreaterThan(250);
      for (let i = 1; i < acked.length; i++) expect(acked[i]!.lsn).toBe(acked[i - 1]!.lsn + 1);
      // A's process "dies": B opens the same store without A closing, as after a crash.
      const b = await LsmEngine.open({ store });
      for (const { k } of acked) expect(str(await b.get(1, [k])), `acked key ${k}`).toBe(`v${k}`);
      expect(b.lastVisibleLsn).toBe(acked[acked.length - 1]!.lsn);
      await b.close();
      await a.close();
    });
  }

  it('on a Durable Object store (synchronous storage API) too: acknowledged commits replay at the next open', async () => {
    const sqlite = new SqliteDoStorage();
    try {
      const store = new DurableObjectStore(sqlite);
      const a = await LsmEngine.open({ store, durability: 'normal', memtableBytes: 16 * 1024 });
      const lsns: number[] = [];
      for (let k = 0; k < 200; k++) lsns.push((await commitOne(a, k, `d${k}`)).lsn);
      const b = await LsmEngine.open({ store: new DurableObjectStore(sqlite) });
      for (let k = 0; k < 200; k++) expect(str(await b.get(1, [k]))).toBe(`d${k}`);
      expect(b.lastVisibleLsn).toBe(lsns[lsns.length - 1]);
      await b.close();
      await a.close();
    } finally {
      sqlite.close();
    }
  });

  it('a commit after a newer writer fenced us fails FENCED and is never visible', async () => {
    const store = new MemoryObjectStore();
    const a = await LsmEngine.open({ store, durability: 'normal' });
    for (let k = 0; k < 20; k++) await commitOne(a, k, `a${k}`);
    const b = await LsmEngine.open({ store, durability: 'normal' });
    // A does not know yet: its next commit is appended, then its fence check finds B.
    await expectCode(commitOne(a, 1000, 'after-fence'), 'FENCED');
    await expectCode(commitOne(a, 1001, 'again'), 'FENCED');
    expect(await b.get(1, [1000])).toBeUndefined();
    await commitOne(b, 2000, 'b');
    await b.close();
    const c = await LsmEngine.open({ store });
    expect(await c.get(1, [1000])).toBeUndefined();
    expect(str(await c.get(1, [19]))).toBe('a19');
    expect(str(await c.get(1, [2000]))).toBe('b');
    await c.close();
    await a.close();
  });

  it('commits while write() batches are queued take the queue: consecutive LSNs, all durable', async () => {
    const store = new CountingStore();
    const a = await LsmEngine.open({ store, durability: 'normal' });
    const pending: Promise<{ lsn: number }>[] = [];
    for (let k = 0; k < 40; k++) {
      // Queued writes (not awaited) and transaction commits, interleaved.
      pending.push(k % 2 === 0 ? a.write(new WriteBatch().put(1, [k], v(`w${k}`))) : commitOne(a, k, `t${k}`));
    }
    // Plain writes do not take the commit lock (commit.ts), so call order is not LSN order; each commit has an LSN of its own, none skipped.
    const lsns = (await Promise.all(pending)).map((i) => i.lsn).sort((x, y) => x - y);
    for (let i = 1; i < lsns.length; i++) expect(lsns[i]).toBe(lsns[i - 1]! + 1);
    expect(store.appendsLater).toBeGreaterThan(0);
    const b = await LsmEngine.open({ store });
    for (let k = 0; k < 40; k++) expect(str(await b.get(1, [k]))).toBe(k % 2 === 0 ? `w${k}` : `t${k}`);
    await b.close();
    await a.close();
  });

  it('a store without synchronous appends takes the queue: same answers', async () => {
    const inner = new MemoryObjectStore();
    // Only the ObjectStore contract's required methods: no headSync, no appendSync.
    const store: ObjectStore = {
      name: 'async-only',
      get: (k, o) => inner.get(k, o),
      head: (k) => inner.head(k),
      put: (k, d, o) => inner.put(k, d, o),
      list: (p) => inner.list(p),
      delete: (k) => inner.delete(k),
      openAppendable: async (k) => {
        const a = await inner.openAppendable(k);
        return { key: k, get size() { return a.size; }, append: (d) => a.append(d), sync: () => a.sync(), close: () => a.close() };
      },
      close: () => inner.close(),
    };
    const a = await LsmEngine.open({ store, durability: 'normal' });
    for (let k = 0; k < 30; k++) await commitOne(a, k, `v${k}`);
    const b = await LsmEngine.open({ store });
    for (let k = 0; k < 30; k++) expect(str(await b.get(1, [k]))).toBe(`v${k}`);
    await b.close();
    await a.close();
  });

  it('SQL autocommit inserts on a folder (durability normal) are all there after a takeover without close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dosql-commit-now-'));
    dirs.push(dir);
    const db = DB('a', { path: join(dir, 'db'), durability: 'normal' });
    await db.exec('CREATE TABLE s(id INTEGER PRIMARY KEY, name TEXT, score REAL)');
    let lastLsn = 0;
    for (let j = 0; j < 500; j++) {
      const r = await db.run('INSERT INTO s VALUES (?, ?, ?)', [j, `row-${j}`, j / 3]);
      expect(r.lsn).toBeGreaterThan(lastLsn);
      lastLsn = r.lsn;
    }
    // A second handle on the folder takes over as after a crash of the first (no close first).
    const db2 = DB('b', { path: join(dir, 'db'), durability: 'normal' });
    const rows = await db2.query<{ id: number; name: string; score: number }>('SELECT id, name, score FROM s ORDER BY id');
    expect(rows.length).toBe(500);
    rows.forEach((r, j) => expect(r).toEqual({ id: j, name: `row-${j}`, score: j / 3 }));
    await expectCode(db.run('INSERT INTO s VALUES (?, ?, ?)', [9999, 'late', 0]), 'FENCED');
    expect((await db2.query('SELECT id FROM s WHERE id = 9999')).length).toBe(0);
    await db2.close();
    await db.close().catch(() => undefined);
  });
});
