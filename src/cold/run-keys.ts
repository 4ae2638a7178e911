// Object keys of columnar run files in the cold store (docs/format/manifest.md, "File names").
// Persisted: the engine lists them at open to find runs no manifest references.

/**
 * Object key of a columnar run file in the cold store: `cold/runs/<epoch>-<number>-t<table>.parquet`
 * (12 digits each; epoch-qualified like SSTables, run-builder.ts `sstKey`). Runs written
 * before that are named `cold/runs/<number>-t<table>.parquet`.
 */
export function coldRunKey(epoch: number, fileNumber: number, table: number): string {
  return `cold/runs/${String(epoch).padStart(12, '0')}-${String(fileNumber).padStart(12, '0')}-t${table}.parquet`;
}

/** The writer epoch and file number a run key names (epoch 0 for the old names), or null. */
export function parseColdRunKey(key: string): { epoch: number; number: number } | null {
  const m = /^cold\/runs\/(?:(\d{12})-)?(\d+)-t\d+\.parquet$/.exec(key);
  return m ? { epoch: m[1] === undefined ? 0 : Number(m[1]), number: Number(m[2]) } : null;
}

export const COLD_RUN_PREFIX = 'cold/runs/';
