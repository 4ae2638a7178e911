// Types of change data capture's public API (`dosql/cdc`), in the shapes of the CDC guide
// (seed 002) with dosql's additions (positions, seq, schema events); docs/cdc.md says how each
// seed shape maps onto dosql's one-LSN-per-commit log.
import type { JsValue } from '../sql/api/values.js';

/** An LSN as the API accepts it: bigint (the seeds'), a safe integer number, or a decimal string. */
export type LSNInput = bigint | number | string;

/** Operation of a raw log entry. `ROLLBACK` is never emitted: the WAL is redo-only (docs/cdc.md). */
export type WALOp = 'INSERT' | 'UPDATE' | 'DELETE' | 'BEGIN' | 'COMMIT' | 'ROLLBACK' | 'DDL';

/**
 * A raw change (seed 002 `WALEntry`). `before`/`after` are the row as UTF-8 JSON (column name
 * → value; docs/cdc.md, "Row JSON"), encoded on first access; `key` is the key tuple in
 * docs/format/keys.md encoding. `txnId` is the commit LSN as a decimal string.
 */
export interface WALEntry {
  /** Commit LSN: every entry of one commit shares it. */
  lsn: bigint;
  /** Commit wall-clock time, ms since the Unix epoch. */
  timestamp: number;
  txnId: string;
  op: WALOp;
  /** Table name at the commit ('' for BEGIN/COMMIT). */
  table: string;
  key?: Uint8Array;
  before?: Uint8Array;
  after?: Uint8Array;
  /** `"<lsn>:<seq>"`: the entry's position. */
  id: string;
  /** Ordinal inside the commit: BEGIN 0, then schema changes, rows, COMMIT last. */
  seq: number;
  /** For op 'DDL'. */
  schemaChange?: SchemaChangeEvent;
}

/** A row change decoded with the table's schema as of its commit (seed 002 `ChangeEvent`). */
export interface ChangeEvent<T = Record<string, JsValue>> {
  id: string;
  type: 'insert' | 'update' | 'delete';
  table: string;
  txnId: string;
  timestamp: Date;
  lsn: bigint;
  seq: number;
  /** The row after the change (insert, update): column name → value, or the decoder's result. */
  data?: T;
  /** The row before the change (update, delete). */
  oldData?: T;
  /** Key tuple bytes (docs/format/keys.md). */
  key: Uint8Array;
  /** The key as values: `[rowid]` for rowid tables, the PRIMARY KEY values for WITHOUT ROWID ones. */
  keyValues: JsValue[];
  /** Seed 001's names for `data` / `oldData` (non-enumerable). */
  readonly after?: T;
  readonly before?: T;
}

/** A transaction boundary (seed 002 `TransactionEvent`); no `table` field. */
export interface TransactionEvent {
  id: string;
  type: 'begin' | 'commit' | 'rollback';
  txnId: string;
  timestamp: Date;
  lsn: bigint;
  seq: number;
  /** Branch the commit was made on. */
  branch: string;
}

/** A column as schema events describe it. */
export interface ColumnInfo {
  name: string;
  /** Declared type as written ('' when none). */
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  /**
   * The constant DEFAULT (INTEGER as bigint), else null: what rows written before the column
   * was added read as (a replica applying `add_column` fills existing rows with it).
   */
  defaultValue: JsValue;
}

/** A schema change (seed 002 `SchemaChangeEvent`), in the commit's event list before its rows. */
export interface SchemaChangeEvent {
  id: string;
  type: 'schema_change';
  table: string;
  /** Key-space id of the table (stable across renames). */
  tableId: number;
  txnId: string;
  changeType: 'create_table' | 'drop_table' | 'rename_table' | 'add_column' | 'drop_column' | 'rename_column' | 'alter_column' | 'create_index' | 'drop_index';
  column?: string;
  /** rename_table / rename_column: the old name. */
  oldName?: string;
  oldType?: string;
  newType?: string;
  /** create_index / drop_index: the index name. */
  index?: string;
  /** LSN of the commit that produced this schema. */
  schemaVersion: number;
  timestamp: number;
  lsn: bigint;
  seq: number;
  /** The table's columns after the change (before it, for drop_table). */
  columns: ColumnInfo[];
}

/** What a typed subscription yields. */
export type CDCEvent<T = Record<string, JsValue>> = ChangeEvent<T> | TransactionEvent | SchemaChangeEvent;

/** Filter (seed 002 `CDCFilter`); every given criterion must match. */
export interface CDCFilter {
  /** Table names at the commit (a rename or drop also matches the old name). */
  tables?: readonly string[];
  /** Operations; BEGIN/COMMIT pass only when listed (or when `operations` is absent). */
  operations?: readonly WALOp[];
  /** Commit LSNs as decimal strings (`txnId`). */
  txnIds?: readonly string[];
  /** Custom test on the raw entry (not stored in slots). */
  predicate?: (entry: WALEntry) => boolean;
}

/** A position in the change stream: `seq` null means the whole commit `lsn`. */
export interface CDCPosition {
  lsn: bigint;
  seq: number | null;
}

/** Decodes a row image (UTF-8 JSON bytes) into the consumer's type. */
export type RowDecoder<T> = (data: Uint8Array) => T;

/** Options of `cdc.subscribe(options)` (seed 002, plus dosql's). */
export interface SubscribeOptions {
  /** Start after this commit (exclusive). Default 0: from the first commit. */
  fromLSN?: LSNInput;
  /** Start after this event id ("<lsn>:<seq>"), inside a commit; overrides fromLSN. */
  after?: string;
  filter?: CDCFilter;
  /** Branch to follow. Default 'main'. */
  branch?: string;
  /** Emit BEGIN/COMMIT. Default true. */
  includeTransactionControl?: boolean;
  /** Most events buffered ahead of the consumer. Default 1000. */
  maxBufferSize?: number;
  /** Commit records read from the log at a time. Default 100. */
  batchSize?: number;
  /** End the iteration after the commit at this LSN (inclusive) instead of waiting at the head. */
  untilLSN?: LSNInput;
  /** Accepted and ignored: the commit path wakes subscribers (no polling). */
  pollInterval?: number;
  /** INTEGER values as bigint in typed events (else number, or bigint beyond ±2^53). */
  safeIntegers?: boolean;
}

/** A subscription's progress (seed 002 `getStatus()`). */
export interface SubscriptionStatus {
  active: boolean;
  /** LSN of the last event delivered. */
  currentLSN: bigint;
  /** Id of the last event delivered ("<lsn>:<seq>"), or "<lsn>" for a whole commit. */
  position: string;
  entriesProcessed: number;
  bufferedEntries: number;
  lastEntryAt?: Date;
  /** Commit records read from the log (statistics: reading stops while the buffer is full). */
  recordsRead: number;
}

/** A replication slot (seed 002 `ReplicationSlot`). */
export interface ReplicationSlot {
  name: string;
  acknowledgedLSN: bigint;
  /** null: the whole commit `acknowledgedLSN` is acknowledged. */
  acknowledgedSeq: number | null;
  branch: string;
  filter?: Omit<CDCFilter, 'predicate'>;
  createdAt: Date;
  lastUsedAt: Date;
}

/** `cdc.stats()`. */
export interface CDCStats {
  headLSN: bigint;
  /** Oldest position a subscription may start from (exclusive). */
  oldestLSN: bigint;
  walBytes: { live: number; retained: number; archived: number };
  /** Open subscriptions of this CDC instance. */
  subscriptions: number;
  slots: { name: string; acknowledgedLSN: bigint; lagLSNs: number; lagBytes: number }[];
  /** Row operations that matched no table (0 for SQL writes). */
  unclassifiedOps: number;
  /** Before images the commit path had to read (0 for SQL writes: they are logged). */
  beforeImageReads: number;
}

/** Seed 002 `WALConfig`: accepted by createCDC; `autoArchive` turns the WAL archive on. */
export interface WALConfig {
  targetSegmentSize: number;
  maxEntriesPerSegment: number;
  verifyChecksums: boolean;
  autoArchive: boolean;
}

/** Options of `createCDC`. */
export type CDCOptions = Partial<WALConfig>;
