// The arguments of `CREATE VIRTUAL TABLE t USING fts5(...)` (https://sqlite.org/fts5.html):
// column names (optionally UNINDEXED) and the options content= ('' for contentless), content_rowid=, tokenize=,
// prefix= (accepted; prefix queries scan the term range instead), detail=full|column|none.
import { DoSQLError } from '../errors.js';
import { parseOne } from '../sql/parser/index.js';
import { tokenizerFor, type Tokenizer } from './tokenizer.js';

export interface FtsColumn {
  readonly name: string;
  readonly unindexed: boolean;
}

export interface FtsSpec {
  readonly columns: readonly FtsColumn[];
  /** External content table, or undefined: the virtual table keeps its own content. */
  readonly content?: string;
  /** The content table's rowid column ('rowid' or its INTEGER PRIMARY KEY). */
  readonly contentRowid: string;
  readonly tokenizer: Tokenizer;
  /**
   * What the index keeps per row, as fts5's detail= option: 'full' (terms' positions),
   * 'column' (the columns holding each term) or 'none' (the rows holding each term). Below
   * full, phrase and NEAR queries are refused (and column filters with 'none') with fts5's
   * errors; positions for bm25() and highlight() come from tokenizing the row again, as fts5.
   */
  readonly detail: 'full' | 'column' | 'none';
  /**
   * content='' (fts5's contentless table): only the index is kept. The table's rows exist (its
   * rowids) with every column NULL; UPDATE and DELETE are refused, rows leave through the
   * 'delete' command (`INSERT INTO t(t, rowid, cols...) VALUES('delete', ...)`) or 'delete-all'.
   */
  readonly contentless: boolean;
}

function ftsError(message: string, details: Record<string, unknown> = {}): DoSQLError {
  return new DoSQLError('SQL_ERROR', `fts5: ${message}`, { details });
}

/** An option value as written: 'quoted', "quoted", [bracketed] or bare. */
function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"' || t[0] === '`') && t[t.length - 1] === t[0]) return t.slice(1, -1).split(t[0]! + t[0]!).join(t[0]!);
  if (t.length >= 2 && t[0] === '[' && t[t.length - 1] === ']') return t.slice(1, -1);
  return t;
}

/** Reads fts5's module arguments; throws SQL_ERROR "fts5: ..." for what it cannot build. */
export function parseFtsArgs(args: readonly string[]): FtsSpec {
  const columns: FtsColumn[] = [];
  let content: string | undefined;
  let contentRowid = 'rowid';
  let tokenize: string | undefined;
  let detail: FtsSpec['detail'] = 'full';
  let contentless = false;
  for (const raw of args) {
    const eq = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*)$/.exec(raw);
    if (eq) {
      const key = eq[1]!.toLowerCase();
      const value = unquote(eq[2]!);
      switch (key) {
        case 'content':
          if (value === '') contentless = true;
          else content = value;
          break;
        case 'contentless_delete':
        case 'contentless_unindexed':
          if (value !== '0') throw new DoSQLError('NOT_SUPPORTED', `fts5: ${key}=${value} is not supported`, { details: { option: key } });
          break;
        case 'content_rowid':
          contentRowid = value;
          break;
        case 'tokenize':
          tokenize = value;
          break;
        case 'prefix':
          break;
        case 'detail': {
          const d = value.toLowerCase();
          if (d !== 'full' && d !== 'column' && d !== 'none') throw ftsError('malformed detail=... directive', { option: key });
          detail = d;
          break;
        }
        case 'columnsize':
          if (value !== '1') throw new DoSQLError('NOT_SUPPORTED', 'fts5: columnsize=0 is not supported', { details: { option: key } });
          break;
        default:
          throw ftsError(`unrecognized option: "${key}"`, { option: key });
      }
      continue;
    }
    const words = raw.trim().split(/\s+/);
    const name = unquote(words[0] ?? '');
    if (name === '') throw ftsError('empty column name');
    const flags = words.slice(1).map((w) => w.toUpperCase());
    if (flags.some((f) => f !== 'UNINDEXED')) throw ftsError(`unrecognized column option: ${words.slice(1).join(' ')}`, { column: name });
    if (['rowid', 'rank'].includes(name.toLowerCase())) throw ftsError(`reserved fts5 column name: ${name}`, { column: name });
    if (columns.some((c) => c.name.toLowerCase() === name.toLowerCase())) throw ftsError(`duplicate column name: ${name}`, { column: name });
    columns.push({ name, unindexed: flags.includes('UNINDEXED') });
  }
  if (columns.length === 0) throw ftsError('a table needs at least one column');
  return { columns, ...(content !== undefined ? { content } : {}), contentRowid, tokenizer: tokenizerFor(tokenize), detail, contentless };
}

const cache = new Map<string, FtsSpec>();

/** The spec of a stored `CREATE VIRTUAL TABLE` statement (the index's `sql`), cached by text. */
export function specOfSql(sql: string): FtsSpec {
  let s = cache.get(sql);
  if (!s) {
    const stmt = parseOne(sql).statement;
    if (stmt.kind !== 'createVirtualTable') throw new DoSQLError('CORRUPTION', `fts5: stored definition is not CREATE VIRTUAL TABLE: ${sql.slice(0, 60)}`);
    s = parseFtsArgs(stmt.args);
    if (cache.size > 256) cache.clear();
    cache.set(sql, s);
  }
  return s;
}
