// Every statement and query of the sqllogictest corpus (/work/shared/slt, SQLite's results) must
// parse. Records under `skipif sqlite` or `onlyif <other engine>` are left out, as SQLite would.
// `statement error` records are not checked: their errors are semantic (missing tables, views
// that cannot be written), except `count(DISTINCT *)`, a syntax error in SQLite too.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from './index.js';
import { readSltRecords } from '../../../test/support/slt-sql-reader.js';

const ROOT = '/work/shared/slt';

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test') ? [path] : [];
    });
}

describe('sqllogictest corpus', () => {
  it('parses 100% of the statement ok / query records, with exact spans', () => {
    let total = 0;
    const failures: string[] = [];
    for (const file of testFiles(ROOT)) {
      for (const record of readSltRecords(file)) {
        if (record.kind === 'statement error') continue;
        total++;
        try {
          const statements = parse(record.sql);
          // One record may hold several statements (evidence/slt_lang_aggfunc.test has one).
          const span = statements.length > 0 ? record.sql.slice(statements[0]!.start, statements.at(-1)!.end) : '';
          if (span !== record.sql.trim().replace(/;$/, '').trim()) failures.push(`${file}:${record.line}: span ${JSON.stringify(span)}`);
        } catch (e) {
          failures.push(`${file}:${record.line}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The corpus holds about 129,000 such records; far fewer means the reader broke.
    expect(total).toBeGreaterThan(120_000);
  });

  it('rejects the one syntax error among the statement error records', () => {
    expect(() => parse("SELECT count(DISTINCT *) FROM t1 WHERE y='false'")).toThrow(/near "\*": syntax error/);
  });
});
