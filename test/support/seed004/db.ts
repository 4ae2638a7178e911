// The five use cases of seed 004 ("DoSQL Canonical Use Cases"), their Durable Objects' methods
// as the seed writes them, against a minimal database interface (query / run / transaction)
// so that the same code runs in workerd on dosql (test/support/seed004-entry.ts) and in
// Node on better-sqlite3 (test/worker-seed004.test.ts), the differential oracle. The SQL is the
// seed's, verbatim; the JavaScript around it is the seed's with only these adaptations:
// - Responses are returned as plain values (no Response.json), the WebSocket plumbing
//   (accept, broadcast, send) is dropped: the test calls the methods directly.
// - Use case 3: user ids are "hashed" with a fixed stand-in (the seed's createCrypto() and
//   HASH_SALT are not provided), and syncToGlobal's POST to another Durable Object returns the
//   rollups instead. Nothing in the seed writes the Parquet archives that queryHistorical and
//   use case 5's handleHistoricalQuery read from 'r2://…': the test puts them in the bucket.
// - Use cases 2 and 4: the seed never inserts the `documents` row 'main' its blocks reference,
//   nor the SKU's `inventory` row: the scenarios insert them first (setup methods).
// - Values the seed takes from the object or the clock come in as arguments so that both
//   databases get the same: use case 2's block ids (seed: crypto.randomUUID()), use case 4's
//   `now` (seed: new Date()), use case 3's region and use case 5's building id.
// - Use case 5: handleHistoricalQuery's date_trunc('day', …) is DuckDB's; `sqliteDay` swaps in
//   date(…) when the test asks (it first runs the SQL as written), and resolveAlert is test set-up.
// - handleBranch (use case 2, db.branch) is a route of the entry, as the oracle has no branches.

export type Params = (string | number | null)[];
export type Row = Record<string, unknown>;

/** What the seed's code calls on `db` and `tx`. */
export interface SeedDb {
  query<T = Row>(sql: string, params?: Params): Promise<T[]>;
  run(sql: string, params?: Params): Promise<{ lastRowId: number | bigint; changes: number }>;
  transaction<T>(fn: (tx: SeedDb) => Promise<T>): Promise<T>;
}

export type Method = (db: SeedDb, args: never) => Promise<unknown>;
