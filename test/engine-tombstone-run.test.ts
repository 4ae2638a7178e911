// A long run of deleted keys is stepped over in a loop: the version resolver used to call
// itself once per tombstone (findNext -> skipUserKey -> findNext ...), so a scan over ~10,000
// consecutive deletes in memory overflowed the stack (RangeError) and, in the SQL layer, took
// the process down (found by the sqllogictest file index/delete/10000 once issue 13 item 16
// let it run). Forward, reverse, from the memtable and from an SSTable.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

const N = 60_000;

describe('a scan over a long run of tombstones', () => {
  it(`finds the live keys around ${N} deleted ones, in the memtable and after a flush`, { timeout: 60_000 }, async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), memtableBytes: 1 << 30, compaction: { background: false } });
    const put = new WriteBatch();
    for (let k = 0; k <= N + 1; k++) put.put(3, [k], new Uint8Array([k & 0xff]));
    await engine.write(put);
    const del = new WriteBatch();
    for (let k = 1; k <= N; k++) del.delete(3, [k]);
    await engine.write(del);
    const keys = async (reverse: boolean): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const e of engine.scan(3, {}, { reverse })) out.push(e.key[0]);
      return out;
    };
    expect(await keys(false)).toEqual([0, N + 1]);
    expect(await keys(true)).toEqual([N + 1, 0]);
    await engine.flush();
    expect(await keys(false)).toEqual([0, N + 1]);
    expect(await keys(true)).toEqual([N + 1, 0]);
    await engine.close();
  });
});
