// The engine's columnar read (engine.cold.runs(table).scan) without the SQL layer: a small
// codec of its own, random puts and deletes, a cold compaction, then the visible rows of every
// read point compared with a model kept per LSN and with the row path (engine.scan).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkValue, initParquet, type ColumnChunk, type ColumnValue } from '../columnar/index.js';
import { LsmEngine } from '../lsm/engine.js';
import { WriteBatch } from '../lsm/write-batch.js';
import { encodeUserKey, MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { Layer } from '../mvcc/layers.js';
import { decodeKeyTuple, readOrderedUvarint } from '../mvcc/key-codec.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { Prng } from '../util/prng.js';
import { utf8Decoder, utf8Encoder } from '../util/bytes.js';
import { FIELD_ID_SLOTS, type ColdCodec, type ColdTablePlan } from './index.js';

beforeAll(() => initParquet(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));

const TABLE = 16;
const V = 1; // long
const W = 2; // string, nullable
const ID = 3; // long, the key

interface Row {
  v: number;
  w: string | null;
}

const encodeValue = (r: Row): Uint8Array => utf8Encoder.encode(JSON.stringify(r));
const decodeValue = (b: Uint8Array): Row => JSON.parse(utf8Decoder.decode(b)) as Row;

/** A key-value table of (id) -> {v, w} written as columns v, w, id (field ids 1..3) and how many of them a row carries. */
function codec(slots: bigint): ColdCodec {
  const plan: ColdTablePlan = {
    table: TABLE,
    layout: 'test-v1',
    schema: {
      columns: [
        { name: 'v', fieldId: V, type: 'long', nullable: true },
        { name: 'w', fieldId: W, type: 'string', nullable: true },
        { name: 'id', fieldId: ID, type: 'long', nullable: false },
        { name: 'slots', fieldId: FIELD_ID_SLOTS, type: 'long', nullable: false },
      ],
    },
    keyColumns: ['id'],
    toColumns(uk, value) {
      const c = { pos: 0 };
      readOrderedUvarint(uk, c);
      readOrderedUvarint(uk, c);
      const id = BigInt(decodeKeyTuple(uk, c.pos).values[0] as number);
      if (value === null) return { key: [id], values: null };
      const r = decodeValue(value);
      return { key: [id], values: [BigInt(r.v), r.w, id, slots] };
    },
  };
  return {
    plan: () => Promise.resolve({ tables: new Map([[TABLE, plan]]), timestampOf: () => 0 }),
    decoder: () => ({
      userKey: (row) => encodeUserKey(MAIN_BRANCH, TABLE, [Number(row[2] as bigint)]),
      value: (row) => encodeValue({ v: Number(row[0] as bigint), w: row[1] as string | null }),
    }),
  };
}

/** The row of a delta entry (user key in any branch, row value) as id -> row. */
function deltaRow(uk: Uint8Array, value: Uint8Array): [number, Row] {
  const c = { pos: 0 };
  readOrderedUvarint(uk, c);
  readOrderedUvarint(uk, c);
  return [decodeKeyTuple(uk, c.pos).values[0] as number, decodeValue(value)];
}

/**
 * Visible rows of a merge-on-read scan as id -> row — run rows then the hot delta's — checking
 * each group's statistics bound its values, and that visiting run rows and delta rows by their
 * places visits ids in ascending order. `deltas` counts scans that had a hot delta.
 */
async function columnarRows(engine: LsmEngine, lsn: number, layers?: Layer[], deltas?: { n: number }): Promise<Map<number, Row> | undefined> {
  const runs = engine.cold.runs(TABLE);
  if (!runs) return undefined;
  try {
    const scan = await runs.scan({ lsn, columns: [ID, V, W], ...(layers ? { layers } : {}) });
    if (!scan) return undefined;
    const out = new Map<number, Row>();
    const order: number[] = [];
    const d = scan.delta;
    let di = 0;
    const deltaUpTo = (g: number, r: number): void => {
      for (; di < d.keys.length && (d.group[di]! < g || (d.group[di] === g && d.row[di]! <= r)); di++) order.push(deltaRow(d.keys[di]!, d.values[di]!)[0]);
    };
    for (let gi = 0; gi < scan.groups.length; gi++) {
      const g = scan.groups[gi]!;
      const vis = g.visibleRows();
      const [id, v, w] = (await g.read([0, 1, 2])) as ColumnChunk[];
      for (let r = 0; r < g.rowCount; r++) {
        deltaUpTo(gi, r);
        const values = [id!, v!, w!].map((c) => chunkValue(c, r));
        values.forEach((x, i) => {
          const s = g.stats[i]!;
          if (x === null || s.min === undefined || s.max === undefined) return;
          expect(x >= (s.min as ColumnValue)! && x <= (s.max as ColumnValue)!).toBe(true);
        });
        if (vis && !vis[r]) continue;
        const key = Number(values[0] as bigint);
        order.push(key);
        out.set(key, { v: Number(values[1] as bigint), w: values[2] as string | null });
      }
    }
    deltaUpTo(scan.groups.length, 0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    for (let i = 0; i < d.keys.length; i++) {
      const [key, row] = deltaRow(d.keys[i]!, d.values[i]!);
      out.set(key, row);
    }
    if (deltas && (d.keys.length > 0 || d.hidden > 0)) deltas.n++;
    return out;
  } finally {
    runs.release();
  }
}

async function rowPath(engine: LsmEngine, lsn: number): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for await (const e of engine.scan(TABLE, {}, { asOf: lsn })) out.set(e.key[0] as number, decodeValue(e.value));
  return out;
}

describe('columnar reads of a table\'s runs (engine.cold)', () => {
  for (const seed of [1, 2, 3]) {
    it(`the visible rows at every LSN equal the model's and the row path's (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const engine = await LsmEngine.open({ store: new MemoryObjectStore(), retention: 'forever' });
      engine.setColdCodec(codec(3n));
      const model = new Map<number, Row>();
      const states: { lsn: number; rows: Map<number, Row> }[] = [];
      for (let c = 0; c < 40; c++) {
        const b = new WriteBatch();
        for (let n = 1 + r.int(6); n > 0; n--) {
          const id = r.int(60);
          if (r.chance(0.25)) {
            b.delete(TABLE, [id]);
            model.delete(id);
          } else {
            const row = { v: r.int(2000) - 1000, w: r.chance(0.2) ? null : `w${r.int(30)}` };
            b.put(TABLE, [id], encodeValue(row));
            model.set(id, row);
          }
        }
        const { lsn } = await engine.write(b);
        states.push({ lsn, rows: new Map(model) });
      }
      await engine.compact({ tier: 'cold' });
      for (const s of states) {
        const cold = await columnarRows(engine, s.lsn);
        expect(cold).toEqual(s.rows);
        expect(await rowPath(engine, s.lsn)).toEqual(s.rows);
      }
      await engine.close();
    });
  }

  it('hands out runs whenever the table has some, with the hot delta, and refuses columns the files lack', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), retention: 'forever' });
    engine.setColdCodec(codec(3n));
    expect(engine.cold.runs(TABLE)).toBeNull();
    await engine.write(new WriteBatch().put(TABLE, [1], encodeValue({ v: 5, w: 'a' })));
    await engine.compact({ tier: 'cold' });
    const runs = engine.cold.runs(TABLE)!;
    expect(runs).not.toBeNull();
    expect(await runs.scan({ lsn: engine.lastVisibleLsn, columns: [9] })).toBeUndefined();
    runs.release();
    runs.release();
    await engine.write(new WriteBatch().put(TABLE, [2], encodeValue({ v: 6, w: 'b' })));
    const both = new Map([[1, { v: 5, w: 'a' }], [2, { v: 6, w: 'b' }]]);
    expect(await columnarRows(engine, engine.lastVisibleLsn)).toEqual(both);
    await engine.flush();
    expect(await columnarRows(engine, engine.lastVisibleLsn)).toEqual(both);
    await engine.compact({ tier: 'cold' });
    expect(await columnarRows(engine, engine.lastVisibleLsn)).toEqual(both);
    await engine.close();
  });

  it('refuses rows written before a column existed (their slot count is below its field id)', async () => {
    const engine = await LsmEngine.open({ store: new MemoryObjectStore(), retention: 'forever' });
    engine.setColdCodec(codec(1n));
    await engine.write(new WriteBatch().put(TABLE, [1], encodeValue({ v: 5, w: 'a' })));
    await engine.compact({ tier: 'cold' });
    const runs = engine.cold.runs(TABLE)!;
    const lsn = engine.lastVisibleLsn;
    expect(await runs.scan({ lsn, columns: [V] })).toBeDefined();
    expect(await runs.scan({ lsn, columns: [V, W] })).toBeUndefined();
    runs.release();
    await engine.close();
  });

  for (const seed of [4, 5, 6]) {
    it(`merge-on-read: runs plus hot memtables, SSTables and a branch give the model's rows at every LSN (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const engine = await LsmEngine.open({ store: new MemoryObjectStore(), retention: 'forever', memtableBytes: 1 << 20 });
      engine.setColdCodec(codec(3n));
      const model = new Map<number, Row>();
      const states: { lsn: number; rows: Map<number, Row> }[] = [];
      const commit = async (lo: number, hi: number, batch: WriteBatch, m: Map<number, Row>): Promise<number> => {
        for (let n = 1 + r.int(6); n > 0; n--) {
          const id = lo + r.int(hi - lo);
          if (r.chance(0.25)) {
            batch.delete(TABLE, [id]);
            m.delete(id);
          } else {
            const row = { v: r.int(2000) - 1000, w: r.chance(0.2) ? null : `w${r.int(30)}` };
            batch.put(TABLE, [id], encodeValue(row));
            m.set(id, row);
          }
        }
        return (await engine.write(batch)).lsn;
      };
      for (let c = 0; c < 30; c++) states.push({ lsn: await commit(0, 60, new WriteBatch(), model), rows: new Map(model) });
      await engine.compact({ tier: 'cold' });
      let branch: { id: number; model: Map<number, Row> } | undefined;
      for (let round = 0; round < 2; round++) {
        // Keys inside and outside the runs' key range; some flushed to SSTables above the runs.
        for (let c = 0; c < 30; c++) {
          states.push({ lsn: await commit(-20, 100, new WriteBatch(), model), rows: new Map(model) });
          if (c % 10 === 9) await engine.flush();
          if (round === 0 && c === 15) {
            const ref = await engine.branches.create('b');
            branch = { id: ref.id, model: new Map(model) };
          }
          if (branch && r.chance(0.5)) await commit(-30, 110, new WriteBatch(branch.id), branch.model);
        }
        // The second round runs over runs holding several versions per key (history kept).
        if (round === 0) await engine.compact({ tier: 'cold' });
      }
      const deltas = { n: 0 };
      for (const s of states) {
        expect(await columnarRows(engine, s.lsn, undefined, deltas)).toEqual(s.rows);
        expect(await rowPath(engine, s.lsn)).toEqual(s.rows);
      }
      // The newest states read a hot delta (the latest writes are in the memtable).
      expect(deltas.n).toBeGreaterThan(10);
      const txn = engine.begin({ branch: branch!.id });
      try {
        const rows = new Map<number, Row>();
        for await (const e of txn.scan(TABLE)) rows.set(e.key[0] as number, decodeValue(e.value));
        expect(rows).toEqual(branch!.model);
        expect(await columnarRows(engine, txn.readLsn, [...txn.layers])).toEqual(branch!.model);
      } finally {
        txn.release();
      }
      await engine.close();
    });
  }
});
