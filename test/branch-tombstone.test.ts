// A branch's delete is a tombstone under the branch's own key; it hides the parent's row of the
// same key, which lives under another key. Compaction must keep it even in the last level,
// where a main-branch tombstone with nothing deeper is dropped (LevelDB's IsBaseLevelForKey).
import { expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

it("a branch's delete of a parent row survives a full compaction", async () => {
  const engine = await LsmEngine.open({ store: new MemoryObjectStore(), retention: 'forever' });
  await engine.write(new WriteBatch().put(16, [1], new Uint8Array([1])).put(16, [2], new Uint8Array([2])));
  await engine.flush();
  await engine.compact({ full: true });
  const b = await engine.branches.create('b');
  await engine.write(new WriteBatch(b.id).delete(16, [1]));
  await engine.flush();
  await engine.compact({ full: true });
  const txn = engine.begin({ branch: b.id });
  const keys: unknown[] = [];
  for await (const e of txn.scan(16)) keys.push(e.key);
  txn.release();
  expect(keys).toEqual([[2]]);
  await engine.close();
});
