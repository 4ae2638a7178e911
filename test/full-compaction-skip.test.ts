// A full compaction leaves out the files it would copy unchanged (src/compaction/full-compaction.ts:
// bottom-level files nothing overlaps stay, higher ones nothing overlaps move down). It must
// leave exactly what rewriting every file leaves: the same stored versions (so every droppable
// version is still dropped), the same value of every key at every retained read point (pinned
// LSNs, named snapshots, a branch on its base), one run of disjoint files at the deepest level.
// The twin engine `b` runs the same workload with its files' statistics removed before each
// full compaction, so it merges every file (what a full compaction did before skipping).
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { encodeRange, type EngineOptions } from '../src/lsm/engine-types.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { checkInvariants } from '../src/manifest/version-edit.js';
import type { FileMeta } from '../src/manifest/manifest-format.js';
import { Prng } from '../src/util/prng.js';
import { toHex } from '../src/util/bytes.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const small: Partial<EngineOptions> = {
  durability: 'normal',
  memtableBytes: 8 * 1024,
  // Small files: the bottom level holds many, most untouched by a workload confined to a few keys.
  targetFileBytes: 2 * 1024,
  blockSize: 512,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 4, l0StopTrigger: 6, levelBaseBytes: 16 * 1024, levelMultiplier: 3, maxLevels: 5, background: false },
};

type Model = Map<number, string>;
const TABLE = 1;

/** Both engines, driven in lockstep, and the models of what each read point must see. */
class Pair {
  readonly main: Model = new Map();
  branchModel: Model | null = null;
  branchId = 0;
  /** Model of main at each pinned LSN or named snapshot. */
  readonly points = new Map<number, Model>();
  readonly pins: number[] = [];
  constructor(
    readonly a: LsmEngine,
    readonly b: LsmEngine,
    readonly r: Prng,
  ) {}

  async write(keys: { from: number; to: number }, n: number, branchShare = 0, deletesOnly = false): Promise<void> {
    const r = this.r;
    for (let i = 0; i < n; i++) {
      const onBranch = this.branchModel !== null && r.next() < branchShare;
      const model = onBranch ? this.branchModel! : this.main;
      const wa = new WriteBatch(onBranch ? this.branchId : 0);
      const wb = new WriteBatch(onBranch ? this.branchId : 0);
      const used = new Set<number>();
      for (let j = 0, m = 1 + r.int(6); j < m; j++) {
        const k = keys.from + r.int(keys.to - keys.from);
        if (used.has(k)) continue;
        used.add(k);
        if (deletesOnly || r.int(5) === 0) {
          wa.delete(TABLE, [k]);
          wb.delete(TABLE, [k]);
          model.delete(k);
        } else {
          const v = `v${i}-${j}-${'x'.repeat(r.int(40))}`;
          wa.put(TABLE, [k], enc(v));
          wb.put(TABLE, [k], enc(v));
          model.set(k, v);
        }
      }
      const la = (await this.a.write(wa)).lsn;
      const lb = (await this.b.write(wb)).lsn;
      expect(lb).toBe(la);
      if (!onBranch && r.int(80) === 0) {
        if (r.int(2) === 0) {
          await this.a.pinLsn(la, 't');
          await this.b.pinLsn(la, 't');
          this.pins.push(la);
        } else {
          await this.a.snapshots.create({ name: `s${la}` });
          await this.b.snapshots.create({ name: `s${la}` });
        }
        this.points.set(la, new Map(this.main));
      }
    }
  }

  async branch(): Promise<void> {
    const ba = await this.a.branches.create('br');
    const bb = await this.b.branches.create('br');
    expect(bb.id).toBe(ba.id);
    this.branchId = ba.id;
    this.branchModel = new Map(this.main);
    this.points.set(ba.baseLsn, new Map(this.main));
  }

  async unpinSome(): Promise<void> {
    for (const lsn of this.pins.splice(0, Math.ceil(this.pins.length / 2))) {
      await this.a.unpinLsn(lsn);
      await this.b.unpinLsn(lsn);
      this.points.delete(lsn);
    }
  }

  /** Full compaction of both; `b` first loses its statistics, so it merges every file. */
  async fullCompact(balance = true): Promise<{ kept: number; moved: number }> {
    await this.a.flush();
    await this.b.flush();
    // Level compactions first (no background ones run: the shape after a full compaction is
    // checked), so files sit in several levels.
    if (balance) {
      await this.a.compact();
      await this.b.compact();
    }
    const before = new Map(this.a.manifest.levels.flatMap((runs, l) => runs.flat().map((f) => [f.number, l] as const)));
    for (const f of this.b.manifest.levels.flat(2)) delete (f as { superseded?: number }).superseded;
    await this.a.compact({ full: true });
    await this.b.compact({ full: true });
    const after = this.a.manifest.levels.flatMap((runs, l) => runs.flat().map((f) => [f, l] as const));
    let kept = 0;
    let moved = 0;
    for (const [f, l] of after) {
      const was = before.get(f.number);
      if (was === l) kept++;
      else if (was !== undefined) moved++;
    }
    return { kept, moved };
  }

  async check(keys: number[]): Promise<void> {
    for (const e of [this.a, this.b]) {
      expect(checkInvariants(e.manifest)).toEqual([]);
      const levels = e.manifest.levels.map((runs, l) => [l, runs.flat().length] as const).filter(([, n]) => n > 0);
      expect({ e: e === this.a ? 'a' : 'b', levels }).toEqual({ e: e === this.a ? 'a' : 'b', levels: levels.slice(-1) });
      expect(e.manifest.levels[levels[0]![0]]!.length).toBe(1);
    }
    // The same stored versions, on main and on the branch.
    for (const branch of this.branchModel ? [0, this.branchId] : [0]) {
      const { lower, upper } = encodeRange(branch, TABLE, {});
      const stored = async (e: LsmEngine): Promise<string[]> => {
        const out: string[] = [];
        for await (const v of e.scanVersions(lower, upper, e.lastVisibleLsn, true)) out.push(`${toHex(v.userKey)}@${v.lsn}=${v.value ? toHex(v.value) : 'del'}`);
        return out;
      };
      expect(await stored(this.a)).toEqual(await stored(this.b));
    }
    const files = (e: LsmEngine): number => e.manifest.levels.flat(2).reduce((n: number, f: FileMeta) => n + f.entries, 0);
    expect(files(this.a)).toBe(files(this.b));
    // Every key at every retained point, and on the branch.
    for (const [lsn, m] of [...this.points, [this.a.lastVisibleLsn, this.main] as const]) {
      for (const k of keys) {
        const got = dec(await this.a.get(TABLE, [k], { asOf: lsn }));
        if (got !== m.get(k)) expect({ lsn, k, got }).toEqual({ lsn, k, got: m.get(k) });
      }
    }
    if (this.branchModel) {
      // Through a transaction: the branch's layer over its parent's at the base (engine.get reads one layer).
      const txn = this.a.begin({ branch: this.branchId });
      for (const k of keys) {
        const got = dec(await txn.get(TABLE, [k]));
        if (got !== this.branchModel.get(k)) expect({ branch: true, k, got }).toEqual({ branch: true, k, got: this.branchModel.get(k) });
      }
      txn.release();
    }
  }
}

describe('full compaction leaves unchanged files out', () => {
  const cases: { seed: number; retention: number | 'forever' }[] = [
    { seed: 1, retention: 0 },
    { seed: 2, retention: 12 },
    { seed: 3, retention: 0 },
    { seed: 4, retention: 'forever' },
  ];
  for (const { seed, retention } of cases) {
    it(`seed ${seed}, retention ${retention}: same versions and reads as rewriting every file`, async () => {
      const o = { ...small, retention };
      const a = await LsmEngine.open({ store: new MemoryObjectStore(), ...o });
      const b = await LsmEngine.open({ store: new MemoryObjectStore(), ...o });
      const p = new Pair(a, b, new Prng(seed));
      const all = Array.from({ length: 420 }, (_, i) => i).concat(Array.from({ length: 60 }, (_, i) => 2000 + i), [-30, -15, -1]);
      // Random writes over the whole key space, a branch halfway with writes of its own.
      await p.write({ from: 0, to: 400 }, 300);
      await p.branch();
      await p.write({ from: 0, to: 400 }, 300, 0.2);
      await p.fullCompact();
      await p.check(all);
      // Writes confined to a few keys at both ends: most bottom files are untouched and stay,
      // and the rewritten ones must be cut around them.
      await p.write({ from: 0, to: 30 }, 30);
      await a.flush();
      await b.flush();
      await p.write({ from: 330, to: 345 }, 30);
      const second = await p.fullCompact(false);
      await p.check(all);
      // Keys past every file: their flushed file overlaps nothing and moves down unchanged
      // (unless it holds droppable versions).
      await p.write({ from: 2000, to: 2060 }, 40);
      await a.flush();
      await b.flush();
      await p.write({ from: 100, to: 110 }, 20, 0.3);
      const third = await p.fullCompact();
      await p.check(all);
      // The horizon moves (more commits, half the pins released): versions kept so far become droppable.
      await p.unpinSome();
      await p.write({ from: 390, to: 400 }, 80);
      const fourth = await p.fullCompact();
      await p.check(all);
      // Deletes of keys that never existed, below every key, in a file of their own: it
      // overlaps nothing, but its tombstones are droppable at the bottom: rewritten, not moved.
      await p.write({ from: -30, to: 0 }, 10, 0, true);
      const fifth = await p.fullCompact(false);
      await p.check(all);
      // Nothing written since, the same read points: a second full compaction in a row changes nothing.
      const numbers = a.manifest.levels.flat(2).map((f) => f.number);
      const idle = await p.fullCompact();
      expect(a.manifest.levels.flat(2).map((f) => f.number)).toEqual(numbers);
      await p.check(all);
      const left = [second, third, fourth, fifth, idle].reduce((n, r) => n + r.kept + r.moved, 0);
      expect(left).toBeGreaterThan(0);
      await a.close();
      await b.close();
    });
  }
});
