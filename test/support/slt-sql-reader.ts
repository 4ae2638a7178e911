// Test support: extracts the SQL texts of sqllogictest records (format: /work/shared/slt/README.md)
// for the parser's corpus and fuzz tests. Not used by the engine.
import { readFileSync } from 'node:fs';

export interface SltRecord {
  readonly kind: 'statement ok' | 'statement error' | 'query';
  readonly sql: string;
  /** 1-based line of the record header. */
  readonly line: number;
}

/**
 * Reads the records of one .test file as SQLite would run them: records under `skipif sqlite`
 * or `onlyif <other engine>` are dropped, and `halt` (unconditional or `onlyif sqlite`) ends the file.
 * `limit` stops after that many records.
 */
export function readSltRecords(path: string, limit = Infinity): SltRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: SltRecord[] = [];
  let skip = false;
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    const line = lines[i]!.trimEnd();
    if (line === '') {
      skip = false;
      continue;
    }
    if (line.startsWith('#') || line.startsWith('hash-threshold')) continue;
    const [word, arg] = line.split(/\s+/, 2);
    if (word === 'skipif' || word === 'onlyif') {
      const forSqlite = arg === 'sqlite';
      if ((word === 'skipif') === forSqlite) skip = true;
      continue;
    }
    if (word === 'halt') {
      if (!skip) break;
      skip = false;
      continue;
    }
    if (word !== 'statement' && word !== 'query') continue;
    const kind = word === 'query' ? 'query' : arg === 'ok' ? 'statement ok' : 'statement error';
    const header = i + 1;
    const sql: string[] = [];
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '' && lines[i + 1]!.trim() !== '----') sql.push(lines[++i]!);
    if (!skip) out.push({ kind, sql: sql.join('\n'), line: header });
    skip = false;
    // Skip the expected result block so its lines are not taken for records.
    if (lines[i + 1]?.trim() === '----') while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
  }
  return out;
}
