// Writes through the executor. INSERT: each row to the shard its vindex value maps to (the
// value must be given: a constant, a parameter, or an expression without columns, evaluated
// on the coordinator). UPDATE / DELETE: on the shards the WHERE allows. A write to several
// shards goes through the CrossShardCommitter as one unit. An UPDATE that changes the vindex
// column moves rows: their new images are read, then deleted where they are and inserted where
// they now belong. Lookup vindex entries are added before the rows they describe are written.
import { DoSQLError } from '../errors.js';
import type { DeleteStmt, Expr, InsertStmt, ResultColumn, SelectStmt, UpdateStmt } from '../sql/parser/ast.js';
import type { SqlValue } from '../sql/types/value.js';
import type { CrossShardCommitter, ShardWrite } from './committer.js';
import type { ShardConnection, ShardResult, ShardStatement } from './connection.js';
import { constantOf } from './predicates.js';
import type { Analysis, LookupNeed } from './router.js';
import { canonicalValue } from './routing-value.js';
import { withScratch, type TableSchema } from './scratch.js';
import { printCtx } from './executor-select.js';
import { printDelete, printExpr, printInsert, printSelect, printUpdate, quoteIdent } from './sql-print.js';
import { resolverOf } from './vindex.js';
import type { ShardedTableSpec, ShardId, VSchema } from './vschema.js';

export interface WriteContext {
  readonly vschema: VSchema;
  readonly committer: CrossShardCommitter;
  primary(shard: ShardId): ShardConnection;
  /** Runs `fn` on each shard's primary, at most maxParallelShards at once; errors name the shard. */
  writeMany<T>(shards: readonly ShardId[], fn: (c: ShardConnection) => Promise<T>): Promise<T[]>;
  schema(table: string): Promise<TableSchema | undefined>;
  lookupTargets(needs: readonly LookupNeed[]): Promise<ShardId[] | undefined>;
  /** Runs a SELECT through the executor (INSERT ... SELECT). */
  select(sql: string, params: readonly SqlValue[]): Promise<ShardResult>;
}

function notSupported(message: string, table: string): DoSQLError {
  return new DoSQLError('NOT_SUPPORTED', `shard: ${message}`, { details: { table } });
}

/** Sums the effects of shard results into one. */
function combine(rs: readonly ShardResult[]): ShardResult {
  let changes = 0;
  let last: bigint | undefined;
  for (const r of rs) {
    changes += r.changes;
    if (r.lastInsertRowId !== undefined) last = r.lastInsertRowId;
  }
  return { columns: rs.find((r) => r.columns.length)?.columns ?? [], rows: rs.flatMap((r) => r.rows), changes, ...(last !== undefined ? { lastInsertRowId: last } : {}) };
}

/** Applies per-shard statements: directly on one shard, through the committer on several. */
async function apply(ctx: WriteContext, writes: ShardWrite[]): Promise<ShardResult[]> {
  const nonEmpty = writes.filter((w) => w.statements.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) {
    const w = nonEmpty[0]!;
    const [r] = await ctx.writeMany([w.shard], (c) => (w.statements.length === 1 ? c.exec(w.statements[0]!.sql, w.statements[0]!.params).then((x) => [x]) : c.batch(w.statements)));
    return r!;
  }
  return (await ctx.committer.commit(nonEmpty, (s) => ctx.primary(s))).flat();
}

/** Evaluates expressions without columns on the coordinator (a scratch SELECT). */
async function evaluate(exprs: readonly Expr[], values: readonly SqlValue[]): Promise<SqlValue[]> {
  const param = (i: number): SqlValue => values[i - 1] ?? null;
  const out: (SqlValue | undefined)[] = exprs.map((e) => constantOf(e, param)?.value);
  const rest = exprs.map((e, i) => ({ e, i })).filter(({ i }) => out[i] === undefined);
  if (rest.length) {
    const c = printCtx(values);
    const sql = `SELECT ${rest.map(({ e }) => printExpr(e, c)).join(', ')}`;
    const r = await withScratch((s) => s.run(sql, c.params));
    rest.forEach(({ i }, k) => (out[i] = r.rows[0]![k] ?? null));
  }
  return out as SqlValue[];
}

/** Adds lookup entries (value -> vindex value) for `pairs` of table `spec`'s lookup on `column`. */
function lookupWrites(spec: ShardedTableSpec, column: string, pairs: readonly [SqlValue, SqlValue][]): ShardWrite[] {
  const l = Object.entries(spec.lookups).find(([c]) => c.toLowerCase() === column.toLowerCase())?.[1];
  const rows = pairs.filter(([v]) => v !== null);
  if (!l || rows.length === 0) return [];
  const params = rows.flatMap(([v, o]) => [canonicalValue(v), canonicalValue(o)]);
  return [{ shard: l.shard, statements: [{ sql: `INSERT OR IGNORE INTO ${quoteIdent(l.table)} (value, owner) VALUES ${rows.map(() => '(?, ?)').join(', ')}`, params }] }];
}

/** The CREATE TABLE of a lookup table. */
export function lookupTableDdl(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (value, owner, PRIMARY KEY (value, owner)) WITHOUT ROWID`;
}

export async function runInsert(ctx: WriteContext, s: InsertStmt, a: Extract<Analysis, { kind: 'insert' }>, values: readonly SqlValue[]): Promise<ShardResult> {
  const spec = a.spec;
  if (spec.type === 'reference' && spec.readOnly) throw new DoSQLError('INVALID_ARGUMENT', `shard: reference table ${a.table} is read-only`, { details: { table: a.table } });
  if (spec.type !== 'sharded') {
    const shards = spec.type === 'unsharded' ? [spec.shard] : ctx.vschema.shards.map((x) => x.id);
    const c = printCtx(values);
    const st = { sql: printInsert(s, c), params: c.params };
    const rs = await apply(ctx, shards.map((shard) => ({ shard, statements: [st] })));
    // A reference table's copies changed alike: report one copy's effect.
    return spec.type === 'reference' ? { ...rs[0]!, rows: rs[0]!.rows } : combine(rs);
  }
  const columns = s.columns ?? (await ctx.schema(a.table))?.columns.map((c) => c.name);
  if (!columns) throw new DoSQLError('NOT_FOUND', `shard: table ${a.table}: cannot read its columns from a shard`, { details: { table: a.table } });
  const vi = columns.findIndex((c) => c.toLowerCase() === spec.column.toLowerCase());
  if (vi < 0) throw new DoSQLError('INVALID_ARGUMENT', `shard: INSERT into ${a.table} must give the vindex column ${spec.column} (rows are placed by it)`, { details: { table: a.table, column: spec.column } });
  for (const u of s.upsert ?? []) {
    if (u.action.kind === 'update' && u.action.sets.some((x) => x.columns.some((c) => c.toLowerCase() === spec.column.toLowerCase() || Object.keys(spec.lookups).some((l) => l.toLowerCase() === c.toLowerCase())))) {
      throw notSupported(`INSERT ... ON CONFLICT DO UPDATE of ${a.table} may not set the vindex or a lookup column`, a.table);
    }
  }
  let rows: (readonly Expr[])[];
  if (s.source.kind === 'values') rows = s.source.rows.map((r) => [...r]);
  else if (s.source.kind === 'select') {
    const c = printCtx(values);
    const r = await ctx.select(printSelect(s.source.select, c), c.params);
    rows = r.rows.map((row) => row.map((v): Expr => ({ kind: 'literal', value: v })));
  } else throw new DoSQLError('INVALID_ARGUMENT', `shard: INSERT ... DEFAULT VALUES into ${a.table} gives no vindex value`, { details: { table: a.table } });
  // Evaluate the vindex and lookup columns once, and write the evaluated values (so a random() is not evaluated twice).
  const keyCols = [vi, ...Object.keys(spec.lookups).map((l) => columns.findIndex((c) => c.toLowerCase() === l.toLowerCase())).filter((i) => i >= 0)];
  const evaluated = await evaluate(rows.flatMap((r) => keyCols.map((k) => r[k] ?? { kind: 'literal', value: null })), values);
  const resolver = resolverOf(ctx.vschema, spec.vindex);
  const byShard = new Map<ShardId, (readonly Expr[])[]>();
  const lookupPairs = new Map<string, [SqlValue, SqlValue][]>();
  rows.forEach((r, i) => {
    const vals = evaluated.slice(i * keyCols.length, (i + 1) * keyCols.length);
    const row = [...r];
    keyCols.forEach((k, j) => (row[k] = { kind: 'literal', value: vals[j]! }));
    const shard = resolver.shardOf(vals[0]!);
    if (!byShard.has(shard)) byShard.set(shard, []);
    byShard.get(shard)!.push(row);
    keyCols.slice(1).forEach((k, j) => {
      const name = columns[k]!;
      if (!lookupPairs.has(name)) lookupPairs.set(name, []);
      lookupPairs.get(name)!.push([vals[j + 1]!, vals[0]!]);
    });
  });
  const lookups = [...lookupPairs.entries()].flatMap(([col, pairs]) => lookupWrites(spec, col, pairs));
  if (lookups.length) await apply(ctx, lookups);
  const withCols: InsertStmt = { ...s, columns, source: { kind: 'values', rows: [] } };
  const writes: ShardWrite[] = [...byShard.entries()].map(([shard, rs]) => {
    const c = printCtx(values);
    return { shard, statements: [{ sql: printInsert(withCols, c, rs), params: c.params }] };
  });
  return combine(await apply(ctx, writes));
}


async function targetsOfWrite(ctx: WriteContext, a: Extract<Analysis, { kind: 'update' | 'delete' }>): Promise<ShardId[]> {
  let targets = [...a.targets];
  if (a.lookups.length) {
    const allowed = await ctx.lookupTargets(a.lookups);
    if (allowed) {
      const set = new Set(allowed);
      targets = targets.filter((t) => set.has(t));
    }
  }
  return targets;
}

export async function runDelete(ctx: WriteContext, s: DeleteStmt, a: Extract<Analysis, { kind: 'update' | 'delete' }>, values: readonly SqlValue[]): Promise<ShardResult> {
  if (a.spec.type === 'reference' && a.spec.readOnly) throw new DoSQLError('INVALID_ARGUMENT', `shard: reference table ${a.table} is read-only`, { details: { table: a.table } });
  const targets = await targetsOfWrite(ctx, a);
  if (targets.length > 1 && a.spec.type === 'sharded' && (s.orderBy?.length || s.limit)) throw notSupported(`DELETE ... ORDER BY/LIMIT of ${a.table} across several shards`, a.table);
  const c = printCtx(values);
  const st = { sql: printDelete(s, c), params: c.params };
  const rs = await apply(ctx, targets.map((shard) => ({ shard, statements: [st] })));
  return a.spec.type === 'reference' ? rs[0] ?? { columns: [], rows: [], changes: 0 } : combine(rs);
}

export async function runUpdate(ctx: WriteContext, s: UpdateStmt, a: Extract<Analysis, { kind: 'update' | 'delete' }>, values: readonly SqlValue[]): Promise<ShardResult> {
  const spec = a.spec;
  if (spec.type === 'reference' && spec.readOnly) throw new DoSQLError('INVALID_ARGUMENT', `shard: reference table ${a.table} is read-only`, { details: { table: a.table } });
  const targets = await targetsOfWrite(ctx, a);
  if (targets.length > 1 && spec.type === 'sharded' && (s.orderBy?.length || s.limit)) throw notSupported(`UPDATE ... ORDER BY/LIMIT of ${a.table} across several shards`, a.table);
  const setCols = s.sets.flatMap((x) => x.columns.map((c) => c.toLowerCase()));
  if (spec.type === 'sharded') {
    if (s.from) throw notSupported(`UPDATE ... FROM of sharded table ${a.table}`, a.table);
    if (setCols.includes(spec.column.toLowerCase())) return moveRows(ctx, s, spec, a.table, targets, values);
    for (const l of Object.keys(spec.lookups)) {
      if (!setCols.includes(l.toLowerCase())) continue;
      // New lookup values are read first and entered before the update writes them.
      const rows = await readImages(ctx, s, a.table, targets, values, [{ kind: 'column', column: spec.column }, setValueOf(s, l, a.table)]);
      const pairs = rows.map((r) => [r[1]!, r[0]!] as [SqlValue, SqlValue]);
      await apply(ctx, lookupWrites(spec, l, pairs));
    }
  }
  const c = printCtx(values);
  const st = { sql: printUpdate(s, c), params: c.params };
  const rs = await apply(ctx, targets.map((shard) => ({ shard, statements: [st] })));
  return spec.type === 'reference' ? rs[0] ?? { columns: [], rows: [], changes: 0 } : combine(rs);
}

/** The expression an UPDATE assigns to `column` (row-value assignments only from a row value of the same width). */
function setValueOf(s: UpdateStmt, column: string, table: string): Expr {
  for (const x of s.sets) {
    const i = x.columns.findIndex((c) => c.toLowerCase() === column.toLowerCase());
    if (i < 0) continue;
    if (x.columns.length === 1) return x.value;
    if (x.value.kind === 'vector' && x.value.items.length === x.columns.length) return x.value.items[i]!;
    throw notSupported(`UPDATE of ${table}: a row-value assignment to ${column} from a subquery`, table);
  }
  return { kind: 'column', column };
}

/** Per target shard, `exprs` evaluated on each row the UPDATE's WHERE selects. */
async function readImages(ctx: WriteContext, s: UpdateStmt, table: string, targets: readonly ShardId[], values: readonly SqlValue[], exprs: readonly Expr[]): Promise<SqlValue[][]> {
  const c = printCtx(values);
  const cols: ResultColumn[] = exprs.map((e) => ({ kind: 'expr', expr: e }));
  const sel: SelectStmt = { kind: 'select', body: { kind: 'selectCore', distinct: false, columns: cols, from: { kind: 'table', name: table, ...(s.alias !== undefined ? { alias: s.alias } : {}) }, ...(s.where ? { where: s.where } : {}) } };
  const sql = printSelect(sel, c);
  const parts = await ctx.writeMany(targets, (conn) => conn.exec(sql, c.params));
  return parts.flatMap((p) => p.rows.map((r) => [...r]));
}

/**
 * UPDATE of the vindex column: read each selected row's identity (rowid, or the primary key of a
 * WITHOUT ROWID table) and its new image, then per shard delete the old rows and insert the new
 * images on the shards their new vindex values map to, all through the committer.
 */
async function moveRows(ctx: WriteContext, s: UpdateStmt, spec: ShardedTableSpec, table: string, targets: readonly ShardId[], values: readonly SqlValue[]): Promise<ShardResult> {
  if (s.returning?.length) throw notSupported(`UPDATE ... RETURNING of the vindex column of ${table}`, table);
  const schema = await ctx.schema(table);
  if (!schema) throw new DoSQLError('NOT_FOUND', `shard: table ${table}: cannot read its columns from a shard`, { details: { table } });
  const idCols = schema.withoutRowidKey ?? ['rowid'];
  const newImage = schema.columns.map((col) => setValueOf(s, col.name, table));
  const c = printCtx(values);
  const sel: SelectStmt = {
    kind: 'select',
    body: {
      kind: 'selectCore',
      distinct: false,
      columns: [...idCols.map((k): ResultColumn => ({ kind: 'expr', expr: { kind: 'column', column: k } })), ...newImage.map((e): ResultColumn => ({ kind: 'expr', expr: e }))],
      from: { kind: 'table', name: table, ...(s.alias !== undefined ? { alias: s.alias } : {}) },
      ...(s.where ? { where: s.where } : {}),
    },
  };
  const sql = printSelect(sel, c);
  const perShard = await ctx.writeMany(targets, async (conn) => ({ shard: conn.id, rows: (await conn.exec(sql, c.params)).rows }));
  const resolver = resolverOf(ctx.vschema, spec.vindex);
  const vi = schema.columns.findIndex((x) => x.name.toLowerCase() === spec.column.toLowerCase());
  const writes = new Map<ShardId, ShardStatement[]>();
  const add = (shard: ShardId, st: ShardStatement): void => {
    if (!writes.has(shard)) writes.set(shard, []);
    writes.get(shard)!.push(st);
  };
  const lookupPairs = new Map<string, [SqlValue, SqlValue][]>();
  const colList = schema.columns.map((x) => quoteIdent(x.name)).join(', ');
  let changes = 0;
  // Deletes first on every shard, then inserts: a row that stays on its shard is replaced in one transaction.
  const inserts: [ShardId, ShardStatement][] = [];
  for (const { shard, rows } of perShard) {
    for (const r of rows) {
      changes++;
      const id = r.slice(0, idCols.length);
      const image = r.slice(idCols.length);
      add(shard as ShardId, { sql: `DELETE FROM ${quoteIdent(table)} WHERE ${idCols.map((k) => `${quoteIdent(k)} IS ?`).join(' AND ')}`, params: id });
      inserts.push([resolver.shardOf(image[vi]!), { sql: `INSERT INTO ${quoteIdent(table)} (${colList}) VALUES (${image.map(() => '?').join(', ')})`, params: image }]);
      for (const l of Object.keys(spec.lookups)) {
        const li = schema.columns.findIndex((x) => x.name.toLowerCase() === l.toLowerCase());
        if (li < 0) continue;
        if (!lookupPairs.has(l)) lookupPairs.set(l, []);
        lookupPairs.get(l)!.push([image[li]!, image[vi]!]);
      }
    }
  }
  for (const [shard, st] of inserts) add(shard, st);
  const lookups = [...lookupPairs.entries()].flatMap(([col, pairs]) => lookupWrites(spec, col, pairs));
  if (lookups.length) await apply(ctx, lookups);
  // Shards that only receive rows go first, shards that only lose rows last: a new image that
  // conflicts where it goes fails the write before any old row is deleted (the best-effort
  // committer stops at the first failure).
  const rank = (sts: readonly ShardStatement[]): number => (sts.every((x) => x.sql.startsWith('INSERT')) ? 0 : sts.every((x) => x.sql.startsWith('DELETE')) ? 2 : 1);
  const ordered = [...writes.entries()].sort((x, y) => rank(x[1]) - rank(y[1]));
  await apply(ctx, ordered.map(([shard, statements]) => ({ shard, statements })));
  return { columns: [], rows: [], changes };
}
