// The engine's bulk and history read APIs against a model: scanRawBatches must return what
// scanRaw returns; scanVersions must return every stored version (all = true) or the newest
// version per key incl. tombstones (all = false), at any read point, across flushes and
// compactions (retention 'forever', so nothing is collected).
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { encodeRange } from '../src/lsm/engine-types.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { Prng } from '../src/util/prng.js';
import { toHex } from '../src/util/bytes.js';
import { encodeUserKey } from '../src/mvcc/internal-key.js';

describe('engine history and batch scans', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: scanVersions and scanRawBatches agree with a model`, async () => {
      const r = new Prng(seed);
      const engine = await LsmEngine.open({ store: new MemoryObjectStore(), memtableBytes: 4096, retention: 'forever', compaction: { background: false } });
      // model: key -> versions newest first [lsn, value hex | null]
      const model = new Map<number, [number, string | null][]>();
      for (let step = 0; step < 300; step++) {
        const b = new WriteBatch();
        const writes = new Map<number, Uint8Array | null>();
        for (let i = 0; i < 1 + r.int(4); i++) {
          const k = r.int(60);
          if (writes.has(k)) continue;
          const v = r.chance(0.2) ? null : r.bytes(1 + r.int(20));
          writes.set(k, v);
          if (v) b.put(7, [k], v);
          else b.delete(7, [k]);
        }
        const { lsn } = await engine.write(b);
        for (const [k, v] of writes) {
          const list = model.get(k) ?? [];
          list.unshift([lsn, v ? toHex(v) : null]);
          model.set(k, list);
        }
        if (step % 60 === 59) await engine.flush();
        if (step === 200) await engine.compact({ full: true });
      }
      const { lower, upper } = encodeRange(0, 7, {});
      const last = engine.lastVisibleLsn;
      for (const asOf of [last, Math.floor(last / 2), Math.floor(last / 5)]) {
        const all: string[] = [];
        for await (const v of engine.scanVersions(lower, upper, asOf, true)) all.push(`${toHex(v.userKey)}@${v.lsn}=${v.value ? toHex(v.value) : 'del'}`);
        const newest: string[] = [];
        for await (const v of engine.scanVersions(lower, upper, asOf, false)) newest.push(`${toHex(v.userKey)}@${v.lsn}=${v.value ? toHex(v.value) : 'del'}`);
        const wantAll: string[] = [];
        const wantNewest: string[] = [];
        for (const k of [...model.keys()].sort((a, b) => a - b)) {
          const uk = toHex(encodeUserKey(0, 7, [k]));
          const vs = model.get(k)!.filter(([l]) => l <= asOf);
          vs.forEach(([l, v], i) => {
            const s = `${uk}@${l}=${v ?? 'del'}`;
            wantAll.push(s);
            if (i === 0) wantNewest.push(s);
          });
        }
        // A tombstone with no put older than it changes no read at any LSN: compaction may drop it.
        const isNoopDelete = (x: string): boolean => {
          if (!x.endsWith('=del')) return false;
          const key = x.slice(0, x.indexOf('@'));
          const versions = wantAll.filter((y) => y.startsWith(`${key}@`));
          return !versions.slice(versions.indexOf(x) + 1).some((y) => !y.endsWith('=del'));
        };
        const missing = wantAll.filter((x) => !all.includes(x));
        expect(missing.filter((x) => !isNoopDelete(x))).toEqual([]);
        expect(all.filter((x) => !wantAll.includes(x))).toEqual([]);
        expect(newest.filter((x) => !x.endsWith('=del'))).toEqual(wantNewest.filter((x) => !x.endsWith('=del')));
        const rows: string[] = [];
        for await (const e of engine.scanRaw(lower, upper, asOf, false)) rows.push(`${toHex(e.rawKey)}=${toHex(e.value)}@${e.lsn}`);
        const batched: string[] = [];
        for await (const batch of engine.scanRawBatches(lower, upper, asOf, false, 7)) for (const e of batch) batched.push(`${toHex(e.rawKey)}=${toHex(e.value)}@${e.lsn}`);
        expect(batched).toEqual(rows);
        expect(rows.length).toBe(wantNewest.filter((s) => !s.endsWith('=del')).length);
      }
      await engine.close();
    });
  }
});
