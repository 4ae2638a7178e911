// Statement streams run on dosql and on SQLite (the oracle) side by side: every statement's
// outcome (ok, or its error message) and, after each, the content of every listed table must
// agree. Used by the foreign key and trigger tests.
import { OraclePair } from './oracle-pair.js';
import { showRows } from './sql-gen/result-compare.js';

/**
 * Runs `statements` on both engines; every outcome and, after each, every table must agree.
 * `deferredFks`: the schema has deferred foreign keys (see the savepoint below).
 */
export async function agree(name: string, setup: readonly string[], statements: readonly string[], tables: readonly string[], deferredFks = true): Promise<string[]> {
  const p = await OraclePair.open(name.replace(/[^A-Za-z0-9_.-]+/g, '-'));
  const bad: string[] = [];
  try {
    for (const s of setup) await p.both(s);
    for (const sql of statements) {
      // SQLite keeps a deferred violation that a statement counted before failing when it ran
      // without a statement journal (a one-row INSERT): the failed statement still fails COMMIT.
      // dosql undoes the statement's count with the statement; a savepoint around the oracle's
      // statement gives SQLite the same undo.
      const wrap = deferredFks && p.lite.inTransaction && !/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)/.test(sql);
      if (wrap) p.lite.exec('SAVEPOINT oracle_stmt');
      const a = p.oracle(sql);
      if (wrap && p.lite.inTransaction) {
        if ('error' in a) p.lite.exec('ROLLBACK TO oracle_stmt');
        p.lite.exec('RELEASE oracle_stmt');
      }
      const b = await p.dosql(sql);
      // dosql names the constraint after SQLite's message.
      // Which UNIQUE constraint a row breaking two is reported under is the table writer's
      // order, not this test's subject: only the kind is compared.
      const ea = 'error' in a ? a.error.replace(/^(UNIQUE constraint failed):.*$/s, '$1') : 'ok';
      const eb = 'error' in b ? b.error.replace(/^(FOREIGN KEY constraint failed|UNIQUE constraint failed):.*$/s, '$1').replace(/^(datatype mismatch) \(.*\)$/s, '$1') : 'ok';
      if (ea !== eb) bad.push(`${sql}\n  sqlite: ${ea}\n  dosql:  ${eb}`);
      else if ('rows' in a && 'rows' in b && showRows(a.rows, 50) !== showRows(b.rows, 50)) bad.push(`${sql}\n  sqlite: ${showRows(a.rows, 20)}\n  dosql:  ${showRows(b.rows, 20)}`);
      for (const t of tables) {
        const why = await p.disagree(`SELECT * FROM ${t} ORDER BY 1, 2`);
        if (why) bad.push(`after ${sql}:\n${why}`);
      }
      if (bad.length > 3) break;
    }
  } finally {
    await p.close();
  }
  return bad;
}

