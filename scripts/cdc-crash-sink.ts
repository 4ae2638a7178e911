// The record the CDC kill -9 test's sink stores per event, one JSON line each.
import type { WALEntry } from '../src/cdc/index.js';

export interface SinkRecord {
  id: string;
  lsn: number;
  seq: number;
  table: string;
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const row = (b: Uint8Array | undefined): Record<string, unknown> | null => (b === undefined ? null : (JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>));

export function sinkRecord(e: WALEntry): SinkRecord {
  return { id: e.id, lsn: Number(e.lsn), seq: e.seq, table: e.table, op: e.op, before: row(e.before), after: row(e.after) };
}

/** Orders positions (lsn, seq), as the stream does. */
export function comparePos(a: { lsn: number; seq: number }, b: { lsn: number; seq: number }): number {
  return a.lsn - b.lsn || a.seq - b.seq;
}
