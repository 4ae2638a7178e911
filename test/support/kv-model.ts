// Reference model of the versioned map: every committed version of every key, by LSN.
import type { KeyTuple } from '../../src/mvcc/key-codec.js';
import { encodeUserKey } from '../../src/mvcc/internal-key.js';
import { compareBytes, toHex } from '../../src/util/bytes.js';

export interface ModelVersion {
  lsn: number;
  value: Uint8Array | null; // null = tombstone
}

interface ModelKey {
  table: number;
  key: KeyTuple;
  uk: Uint8Array;
  versions: ModelVersion[]; // ascending LSN
}

export class KvModel {
  private readonly keys = new Map<string, ModelKey>();
  lastLsn = 0;

  commit(lsn: number, ops: { table: number; key: KeyTuple; value: Uint8Array | null }[]): void {
    if (lsn <= this.lastLsn) throw new Error(`model: LSN ${lsn} not after ${this.lastLsn}`);
    this.lastLsn = lsn;
    // Later ops on the same key in one batch win.
    const byKey = new Map<string, (typeof ops)[number]>();
    for (const op of ops) byKey.set(toHex(encodeUserKey(0, op.table, op.key)), op);
    for (const [hex, op] of byKey) {
      let k = this.keys.get(hex);
      if (!k) {
        k = { table: op.table, key: op.key, uk: encodeUserKey(0, op.table, op.key), versions: [] };
        this.keys.set(hex, k);
      }
      k.versions.push({ lsn, value: op.value });
    }
  }

  get(table: number, key: KeyTuple, asOf: number): Uint8Array | undefined {
    const k = this.keys.get(toHex(encodeUserKey(0, table, key)));
    if (!k) return undefined;
    let found: ModelVersion | undefined;
    for (const v of k.versions) if (v.lsn <= asOf) found = v;
    return found?.value ?? undefined;
  }

  /** Visible rows of `table` at `asOf` within encoded-key bounds, in key order. */
  scan(table: number, asOf: number, lower?: Uint8Array, upper?: Uint8Array): { key: KeyTuple; uk: Uint8Array; value: Uint8Array }[] {
    const out: { key: KeyTuple; uk: Uint8Array; value: Uint8Array }[] = [];
    for (const k of this.keys.values()) {
      if (k.table !== table) continue;
      if (lower && compareBytes(k.uk, lower) < 0) continue;
      if (upper && compareBytes(k.uk, upper) >= 0) continue;
      const v = this.get(table, k.key, asOf);
      if (v !== undefined) out.push({ key: k.key, uk: k.uk, value: v });
    }
    return out.sort((a, b) => compareBytes(a.uk, b.uk));
  }

  allKeys(): { table: number; key: KeyTuple }[] {
    return [...this.keys.values()].map((k) => ({ table: k.table, key: k.key }));
  }
}
