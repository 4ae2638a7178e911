// Options `dosql lake sync` and `dosql lake serve` share: per-table configuration of the lake.
import type { LakeTableConfig } from '../../lake/index.js';
import type { ParsedCommand } from '../args.js';
import { usageError } from '../io.js';

/** Comma-separated and repeated values of a `multiple` option, flattened. */
export const listOpt = (v: unknown): string[] => ((v as string[] | undefined) ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');

/** Per-table lake configuration from `--key-scope T=global|source` and `--partition T=col[:unit]`. */
export function tableOptions(p: ParsedCommand): Record<string, LakeTableConfig> {
  const tables: Record<string, LakeTableConfig> = {};
  for (const s of listOpt(p.values['key-scope'])) {
    const m = /^(.+)=(global|source)$/.exec(s);
    if (!m) throw usageError('lake', `--key-scope takes <table>=global|source, got ${JSON.stringify(s)}`);
    tables[m[1]!] = { ...tables[m[1]!], keyScope: m[2] as 'global' | 'source' };
  }
  for (const s of listOpt(p.values.partition)) {
    const m = /^([^=]+)=(?:commit|([^:=]+)(?::(unixepoch|unixepoch-ms|julianday))?)$/.exec(s);
    if (!m) throw usageError('lake', `--partition takes <table>=<column>[:unixepoch|unixepoch-ms|julianday] or <table>=commit, got ${JSON.stringify(s)}`);
    tables[m[1]!] = { ...tables[m[1]!], partition: m[2] === undefined ? 'commit' : { column: m[2], ...(m[3] ? { unit: m[3] as 'unixepoch' | 'unixepoch-ms' | 'julianday' } : {}) } };
  }
  return tables;
}

