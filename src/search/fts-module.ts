// The fts5 virtual table module. `CREATE VIRTUAL TABLE t USING fts5(a, b, ...)` records an
// index (IndexSchema, using 'FTS5', its `sql` the CREATE VIRTUAL TABLE text) on the content
// table: with content='c' that is table c (external content, named t); without, a real table t
// created beside it holds the content and the index is named "t:fts5". Either way the table
// writer maintains the index on every row write of the content table (index-methods.ts), so
// external content stays in sync without triggers. A scan of t (FROM t) is a table-valued
// function: its columns, a hidden column t (bound by `t MATCH q`, valued with the row's match
// state for bm25() etc.), a hidden `rank` (bm25 with default weights) and the rowid.
import { DoSQLError } from '../errors.js';
import { Catalog } from '../sql/catalog/catalog.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import type { ExecEnv, Row } from '../sql/execution/env.js';
import { flushIndexWork, registerIndexMethod } from '../sql/execution/index-methods.js';
import { TableReader } from '../sql/execution/table-reader.js';
import type { TableFunction, TableFunctionCall } from '../sql/functions/table-functions.js';
import type { CreateVirtualTableStmt } from '../sql/parser/ast.js';
import { parseOne } from '../sql/parser/index.js';
import { createTable } from '../sql/planner/plan-ddl.js';
import { registerVirtualTableModule } from '../sql/planner/virtual-tables.js';
import { columnDefaults, encodeRowValue } from '../sql/rows/row-materializer.js';
import { encodeRange } from '../mvcc/kv-types.js';
import { rowKey } from '../sql/rows/row-keys.js';
import { plain } from '../sql/types/subtype.js';
import type { SqlValue } from '../sql/types/value.js';
import { DocSets } from './docset.js';
import { clearIndex, flushIndex, FTS_METHOD, indexRow, initIndex, invert, layoutOf, loadDocs, loadTermSet, loadTotals, removeDoc, textOf, type FtsLayout, type LoadedDoc } from './fts-index.js';
import { bm25, idf, matchState } from './fts-rank.js';
import { parseFtsArgs, specOfSql, type FtsSpec } from './fts-spec.js';
import { COL_SHIFT, evaluate, phraseHits, queryTerms, type Pos } from './query-eval.js';
import { parseQuery } from './query-parse.js';
import { checkDetail, querySets } from './query-sets.js';

const METHOD = FTS_METHOD;
const INTERNAL_SUFFIX = ':fts5';

interface FtsTable {
  readonly name: string;
  readonly ix: IndexSchema;
  readonly content: TableSchema;
  readonly layout: FtsLayout;
}

const layouts = new WeakMap<IndexSchema, FtsLayout>();

function layoutFor(ix: IndexSchema, content: TableSchema): FtsLayout {
  let l = layouts.get(ix);
  if (!l) layouts.set(ix, (l = layoutOf(specOfSql(ix.sql), content)));
  return l;
}

function find(name: string, catalog: Catalog): FtsTable | undefined {
  const ext = catalog.findIndex(name);
  if (ext && ext.using === METHOD) {
    const content = catalog.findTable(ext.table);
    if (!content) return undefined;
    return { name: ext.name, ix: ext, content, layout: layoutFor(ext, content) };
  }
  const own = catalog.findIndex(name + INTERNAL_SUFFIX);
  if (own && own.using === METHOD) {
    const content = catalog.findTable(own.table);
    if (!content) return undefined;
    return { name: content.name, ix: own, content, layout: layoutFor(own, content) };
  }
  return undefined;
}

function rowidOf(content: TableSchema, rowid: bigint | null): bigint {
  if (rowid === null) throw new DoSQLError('NOT_SUPPORTED', `fts5: content table ${content.name} is WITHOUT ROWID`, { details: { table: content.name } });
  return rowid;
}

registerIndexMethod({
  name: METHOD,
  onPut(env, table, ix, row, rowid) {
    const layout = layoutFor(ix, table);
    const r = rowidOf(table, rowid);
    indexRow(env, ix, layout, row, r, false);
    // Contentless: the row stays (its rowid) with every column NULL; only the index keeps the text.
    if (layout.spec.contentless) env.txn.put(rowKey(env.txn.branch, table, [], r), encodeRowValue(table, table.columns.map(() => null)));
  },
  onDelete(env, table, ix, row, rowid) {
    const layout = layoutFor(ix, table);
    if (layout.spec.contentless) {
      throw new DoSQLError('SQL_ERROR', `fts5: cannot UPDATE or DELETE rows of contentless fts5 table: ${table.name} (use INSERT INTO ${table.name}(${table.name}, rowid, ...) VALUES('delete', ...))`, { details: { table: table.name } });
    }
    indexRow(env, ix, layout, row, rowidOf(table, rowid), true);
  },
  flush: flushIndex,
});

function quoteId(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

async function create(env: ExecEnv, stmt: CreateVirtualTableStmt, sql: string): Promise<void> {
  const txn = env.txn;
  const spec: FtsSpec = parseFtsArgs(stmt.args);
  if (txn.catalog.nameInUse(stmt.name) || find(stmt.name, txn.catalog)) {
    if (stmt.ifNotExists) return;
    throw new DoSQLError('SQL_ERROR', `sql: table ${stmt.name} already exists`, { details: { name: stmt.name } });
  }
  let content: TableSchema;
  let ixName: string;
  if (spec.content !== undefined) {
    const c = txn.catalog.findTable(spec.content);
    if (!c) throw new DoSQLError('SQL_ERROR', `fts5: no such content table: ${spec.content}`, { details: { table: spec.content } });
    if (c.withoutRowid) throw new DoSQLError('NOT_SUPPORTED', `fts5: content table ${c.name} is WITHOUT ROWID`, { details: { table: c.name } });
    const rid = spec.contentRowid.toLowerCase();
    const alias = c.rowidAlias >= 0 ? c.columns[c.rowidAlias]!.name.toLowerCase() : undefined;
    if (!['rowid', 'oid', '_rowid_'].includes(rid) && rid !== alias) {
      throw new DoSQLError('NOT_SUPPORTED', `fts5: content_rowid must be the rowid of ${c.name} (its INTEGER PRIMARY KEY), not ${spec.contentRowid}`, { details: { table: c.name, column: spec.contentRowid } });
    }
    content = c;
    ixName = stmt.name;
  } else {
    const ddl = `CREATE TABLE ${quoteId(stmt.name)}(${spec.columns.map((c) => quoteId(c.name)).join(', ')})`;
    const parsed = parseOne(ddl).statement;
    if (parsed.kind !== 'createTable') throw new DoSQLError('SQL_ERROR', 'fts5: content table DDL did not parse as CREATE TABLE');
    await createTable(env, parsed, ddl);
    content = txn.catalog.findTable(stmt.name)!;
    ixName = stmt.name + INTERNAL_SUFFIX;
  }
  const layout = layoutOf(spec, content);
  const id = await Catalog.allocateId(txn);
  const ix: IndexSchema = {
    type: 'index',
    name: ixName,
    id,
    table: content.name,
    unique: false,
    columns: layout.positions.map((p) => ({ columnId: content.columns[p]!.id, collation: 'BINARY', desc: false })),
    auto: false,
    using: METHOD,
    sql,
  };
  txn.catalog = txn.catalog.with(txn, ix);
  initIndex(env, ix);
  if (spec.content !== undefined) {
    // Index the rows already there (CREATE INDEX's backfill).
    const reader = new TableReader(content, content.columns.length + 1, 0, columnDefaults(content));
    for await (const batch of reader.scan(env)) for (const row of batch) indexRow(env, ix, layoutFor(ix, content), row, row[content.columns.length] as bigint, false);
  }
}

async function drop(env: ExecEnv, name: string): Promise<boolean> {
  const ix = env.txn.catalog.findIndex(name);
  if (!ix || ix.using !== METHOD) return false;
  await clearIndex(env, ix);
  env.txn.catalog = env.txn.catalog.without(env.txn, ix);
  return true;
}

/** The rows of one scan: every content row (no MATCH), or the matches of the query in rowid order. */
async function* scan(t: FtsTable, call: TableFunctionCall, env: ExecEnv): AsyncGenerator<SqlValue[]> {
  const { content, layout, ix } = t;
  const spec = layout.spec;
  const nCols = spec.columns.length;
  const reader = new TableReader(content, content.columns.length + 1, 0, columnDefaults(content));
  const out = (row: Row, state: SqlValue, rank: SqlValue, rowid: bigint): SqlValue[] => [...layout.positions.map((p) => row[p] ?? null), state, rank, rowid];
  const qv = call.args[0] === undefined ? undefined : plain(call.args[0]);
  if (qv === undefined) {
    for await (const batch of reader.scan(env)) for (const row of batch) yield out(row, null, null, row[content.columns.length] as bigint);
    return;
  }
  if (qv === null) return;
  const q = parseQuery(textOf(qv), spec.columns.map((c) => c.name), spec.tokenizer);
  checkDetail(q, spec.detail);
  // Index writes this transaction deferred (earlier in this statement) are read too.
  if (env.txn.deferredIndexWork.length) await flushIndexWork(env.txn);
  const totals = await loadTotals(env, ix, t.name);
  const sets = await DocSets.open();
  try {
    const qs = await querySets(q, sets, (term, cols) => loadTermSet(env, ix, sets, term.term, term.prefix, cols));
    // Positions are read for the rows that may match, and for the rows of phrases whose IDF
    // needs them confirmed (multi-term phrases).
    let verify = qs.root.set;
    for (const p of qs.phrases) if (!p.exact) verify = sets.or(verify, p.set);
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const term of queryTerms(q)) {
      if (term.prefix) prefixes.push(term.term);
      else exact.add(term.term);
    }
    const want = (term: string): boolean => exact.has(term) || prefixes.some((p) => term.startsWith(p));
    const full = spec.detail === 'full';
    const docs = full ? await loadDocs(env, ix, verify.list(), totals.rows, want) : new Map<bigint, LoadedDoc>();
    const noPos: Pos[] = [];
    const docOf =
      (rowid: bigint) =>
      (term: string, prefix: boolean): readonly Pos[] => {
        const d = docs.get(rowid);
        if (!d) return noPos;
        if (!prefix) return d.terms.get(term) ?? noPos;
        const out: Pos[] = [];
        for (const [t, l] of d.terms) if (t.startsWith(term)) out.push(...l);
        return out.sort((x, y) => x - y);
      };
    const idfs = q.phrases.map((p) => {
      const ps = qs.phrases[p.index]!;
      if (ps.exact) return idf(totals.rows, ps.set.size);
      let hits = 0;
      for (const r of ps.set.list()) if (phraseHits(p, docOf(r)).length > 0) hits++;
      return idf(totals.rows, hits);
    });
    const avg = totals.rows === 0 ? 0 : totals.tokens / totals.rows;
    const order = qs.root.set.list();
    sets.dispose();
    for (const rowid of order) {
      let row: Row | undefined;
      if (!full && spec.contentless && qs.root.exact) {
        // No positions anywhere: the bitmaps' answer stands, with no instances (bm25 0), as fts5.
        row = await reader.getRaw(env, rowKey(env.txn.branch, content, [], rowid));
        if (!row) continue;
        const state = matchState(idfs, [], nCols, 0, avg, spec.tokenizer.spec, layout.positions.map(() => null));
        yield out(row, JSON.stringify(state), 0, rowid);
        continue;
      }
      if (!full) {
        // detail=column|none: the positions of the row's terms from tokenizing it again (fts5 does the same).
        row = await reader.getRaw(env, rowKey(env.txn.branch, content, [], rowid));
        if (!row) continue;
        docs.set(rowid, positionsOf(layout, row, want));
      }
      const inst = evaluate(q, docOf(rowid));
      if (!inst) continue;
      row ??= await reader.getRaw(env, rowKey(env.txn.branch, content, [], rowid));
      if (!row) continue; // external content deleted without the index knowing: fts5 would return garbage; skip
      const state = matchState(idfs, inst, nCols, docs.get(rowid)?.tokens ?? 0, avg, spec.tokenizer.spec, layout.positions.map((p) => (row[p] === null || row[p] === undefined ? null : textOf(row[p]))));
      yield out(row, JSON.stringify(state), bm25(state, []), rowid);
    }
  } finally {
    sets.dispose();
  }
}

/** A row's token total and the positions of the terms `want` accepts, from tokenizing it. */
function positionsOf(layout: FtsLayout, row: Row, want: (term: string) => boolean): LoadedDoc {
  const { terms, sizes } = invert(layout, row);
  const out = new Map<string, Pos[]>();
  for (const [term, cols] of terms) {
    if (!want(term)) continue;
    const list: Pos[] = [];
    for (const [col, ps] of [...cols].sort((a, b) => a[0] - b[0])) for (const p of ps) list.push(col * COL_SHIFT + p);
    out.set(term, list);
  }
  return { tokens: sizes.reduce((a, b) => a + b, 0), terms: out };
}

function tableFunction(t: FtsTable): TableFunction {
  const cols = t.layout.spec.columns.map((c) => ({ name: c.name, hidden: false }));
  const n = cols.length;
  return {
    name: t.name,
    columns: [...cols, { name: t.name, hidden: true }, { name: 'rank', hidden: true }, { name: '\u0001rowid', hidden: true }],
    argColumns: [n],
    rowidColumn: n + 2,
    open: (call, ctx) => scan(t, call, ctx as unknown as ExecEnv),
  };
}

const functions = new WeakMap<IndexSchema, TableFunction>();

/**
 * `INSERT INTO t(t) VALUES('rebuild')`: the index cleared and built again from the content
 * table (as fts5's 'rebuild'), which also converts an index of format version 1.
 * 'optimize' and 'merge' are accepted and do nothing (the LSM merges on its own).
 */
async function command(env: ExecEnv, name: string, args: ReadonlyMap<string, SqlValue>): Promise<boolean> {
  const t = find(name, env.txn.catalog);
  if (!t) return false;
  const cmd = args.get(name.toLowerCase()) ?? null;
  const c = typeof cmd === 'string' ? cmd.toLowerCase() : '';
  const { content, ix, layout } = t;
  const contentless = layout.spec.contentless;
  if (c === 'optimize' || c === 'merge') return true;
  // SQLite's sync triggers remove a row's old values before the content changes; here the
  // index already follows the content table in the same transaction.
  if (c === 'delete' && followsContent(t)) return true;
  if (env.txn.deferredIndexWork.length) await flushIndexWork(env.txn);
  if (c === 'delete' && contentless) {
    // fts5's 'delete' of a contentless row: its rowid and (below detail=full) its values.
    const given = args.get('rowid') ?? null;
    const rv = typeof given === 'number' && Number.isSafeInteger(given) ? BigInt(given) : given;
    if (typeof rv !== 'bigint') throw new DoSQLError('SQL_ERROR', `fts5: the 'delete' command needs the rowid of the row of ${t.name} to delete`, { details: { table: t.name } });
    const row: Row = content.columns.map((col) => args.get(col.name.toLowerCase()) ?? null);
    if (await removeDoc(env, ix, layout, rv, row)) env.txn.delete(rowKey(env.txn.branch, content, [], rv));
    await flushIndexWork(env.txn);
    return true;
  }
  if (c === 'delete-all' && contentless) {
    await clearIndex(env, ix);
    initIndex(env, ix);
    const { lower, upper } = encodeRange(env.txn.branch, content.id, {});
    const keys: Uint8Array[] = [];
    for await (const batch of env.txn.scanBatches(lower, upper)) for (const e of batch) keys.push(e.uk);
    for (const k of keys) env.txn.delete(k);
    return true;
  }
  if (c !== 'rebuild') throw new DoSQLError('SQL_ERROR', `fts5: unknown command ${JSON.stringify(textOf(cmd))} for table ${t.name} (supported: 'rebuild', 'optimize'${contentless ? ", 'delete', 'delete-all'" : followsContent(t) ? ", 'delete' (does nothing: the index follows ${content.name})" : ''})`, { details: { table: t.name } });
  if (contentless) throw new DoSQLError('SQL_ERROR', `fts5: 'rebuild' may not be used with contentless fts5 table ${t.name}`, { details: { table: t.name } });
  await clearIndex(env, ix);
  initIndex(env, ix);
  const reader = new TableReader(content, content.columns.length + 1, 0, columnDefaults(content));
  for await (const batch of reader.scan(env)) for (const row of batch) indexRow(env, ix, layout, row, row[content.columns.length] as bigint, false);
  await flushIndexWork(env.txn);
  return true;
}

/** External content (not contentless): the index is maintained from the content table's writes. */
function followsContent(t: FtsTable): boolean {
  return t.layout.spec.content !== undefined && !t.layout.spec.contentless;
}

registerVirtualTableModule({
  name: 'fts5',
  create,
  drop,
  command,
  writesFollowContent(name, catalog) {
    const t = find(name, catalog);
    return t !== undefined && followsContent(t);
  },
  resolve(name, catalog) {
    const t = find(name, catalog);
    if (!t) return undefined;
    let f = functions.get(t.ix);
    if (!f) functions.set(t.ix, (f = tableFunction(t)));
    return f;
  },
});
