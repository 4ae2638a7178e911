// A dosql database beside a better-sqlite3 one (the oracle), fed the same statements: the
// differential tests of json1, table-valued functions, introspection, foreign keys and
// triggers ask it whether the two engines disagree on a statement's rows or error message.
import Database from 'better-sqlite3';
import { DB } from '../../src/index.js';
import type { SqlValue } from '../../src/sql/types/value.js';
import { diffResults, showRows } from './sql-gen/result-compare.js';

export type Outcome = { readonly rows: SqlValue[][] } | { readonly error: string };

type DosqlDb = ReturnType<typeof DB>;

function fromLite(v: unknown): SqlValue {
  return Buffer.isBuffer(v) ? new Uint8Array(v) : (v as SqlValue);
}

export class OraclePair {
  private constructor(
    readonly lite: Database.Database,
    readonly db: DosqlDb,
  ) {}

  /** Both engines, empty, with `setup` run on each (SQLite's foreign keys ON, as dosql's default). */
  static async open(name: string, setup: readonly string[] = []): Promise<OraclePair> {
    const lite = new Database(':memory:');
    lite.defaultSafeIntegers(true);
    lite.pragma('foreign_keys = ON');
    const p = new OraclePair(lite, DB(name, { storage: 'memory' }));
    for (const s of setup) await p.both(s);
    return p;
  }

  async close(): Promise<void> {
    this.lite.close();
    await this.db.close();
  }

  /** Runs `sql` (one or more statements) on both engines; throws if either fails. */
  async both(sql: string): Promise<void> {
    this.lite.exec(sql);
    await this.db.exec(sql);
  }

  oracle(sql: string, params: readonly SqlValue[] = []): Outcome {
    try {
      const st = this.lite.prepare(sql);
      if (!st.reader) {
        st.run(...params);
        return { rows: [] };
      }
      return { rows: (st.raw(true).all(...params) as unknown[][]).map((r) => r.map(fromLite)) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  async dosql(sql: string, params: readonly SqlValue[] = []): Promise<Outcome> {
    try {
      const st = this.db.prepare(sql);
      return { rows: (await st.raw(true).safeIntegers(true).all(...params)) as SqlValue[][] };
    } catch (e) {
      return { error: (e as Error).message.replace(/^sql: /, '') };
    }
  }

  /**
   * Runs `sql` on both; why they disagree (rows, or error messages, which must match SQLite's
   * text), or undefined. `ordered`: compare row order too (else as multisets).
   */
  async disagree(sql: string, params: readonly SqlValue[] = [], ordered = true): Promise<string | undefined> {
    const a = this.oracle(sql, params);
    const b = await this.dosql(sql, params);
    if ('error' in a || 'error' in b) {
      const ea = 'error' in a ? a.error : showRows(a.rows, 5);
      const eb = 'error' in b ? b.error : showRows(b.rows, 5);
      return ea === eb ? undefined : `${sql}\n  sqlite: ${ea}\n  dosql:  ${eb}`;
    }
    const why = diffResults(a.rows, b.rows, ordered);
    return why && `${sql}\n  ${why}\n  sqlite: ${showRows(a.rows, 10)}\n  dosql:  ${showRows(b.rows, 10)}`;
  }

  /** Every disagreement over `sqls` (empty when they agree on all). */
  async disagreements(sqls: readonly string[], ordered = true): Promise<string[]> {
    const bad: string[] = [];
    for (const s of sqls) {
      const why = await this.disagree(s, [], ordered);
      if (why) bad.push(why);
    }
    return bad;
  }
}
