// PRAGMAs that read or change a connection setting (https://sqlite.org/pragma.html):
// foreign_keys (dosql's default is ON, as D1's; inside a transaction setting it does nothing,
// as in SQLite). Reading one returns a single row named after the pragma.
import type { ExecEnv } from '../execution/env.js';
import type { PragmaStmt } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { toText } from '../types/convert.js';

interface Setting {
  get(env: ExecEnv): SqlValue;
  set(env: ExecEnv, on: boolean): void;
}

const SETTINGS: Record<string, Setting> = {
  foreign_keys: {
    get: (env) => (env.session.foreignKeys === false ? 0n : 1n),
    set: (env, on) => {
      if (!env.inTransaction) env.session.foreignKeys = on;
    },
  },
};

/** SQLite's sqlite3GetBoolean: on/yes/true and non-zero numbers are ON, anything else OFF. */
function boolean(v: SqlValue): boolean {
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return Math.trunc(v) !== 0;
  const t = (toText(v) ?? '').trim().toLowerCase();
  if (['on', 'yes', 'true'].includes(t)) return true;
  const n = Number.parseInt(t, 10);
  return Number.isFinite(n) && n !== 0;
}

/** The setting PRAGMA `stmt` names, as an execute function returning its rows; undefined for other PRAGMAs. */
export function settingPragma(stmt: PragmaStmt): { readonly columns: readonly string[]; run(env: ExecEnv): SqlValue[][] } | undefined {
  const name = stmt.name.toLowerCase();
  const s = SETTINGS[name];
  if (!s || (stmt.schema !== undefined && stmt.schema.toLowerCase() !== 'main')) return undefined;
  const value = stmt.value;
  if (value === undefined) return { columns: [name], run: (env) => [[s.get(env)]] };
  const v: SqlValue = value.kind === 'literal' ? value.value : value.kind === 'column' ? value.column : null;
  return {
    columns: [],
    run: (env) => {
      s.set(env, boolean(v));
      return [];
    },
  };
}
