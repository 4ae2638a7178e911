// The sandbox of SQL-stored procedures in Node (docs/procedures.md): each CALL of a
// CREATE PROCEDURE ... AS MODULE procedure runs its module in a fresh worker thread, inside a
// `node:vm` context of its own (the JavaScript built-ins, no require, process or globals of
// the host). The thread bounds what vm alone cannot:
//   - time: vm's `timeout` stops a synchronous loop while the module is evaluated, and the
//     overall deadline (limits.procedureTimeoutMs) terminates the thread wherever its code
//     is, synchronous or async: INTERRUPTED;
//   - memory: the thread's resourceLimits (limits.procedureMemoryMb of old generation) make
//     V8 stop it when its heap outgrows the bound, instead of the process: LIMIT_EXCEEDED.
// The process and its other databases keep running either way. ctx.db is a proxy: each call
// is a message to this thread, which runs the statement in the caller's transaction.
//
// vm is not a security boundary against hostile code (Node's documentation says so): the
// sandbox keeps mistakes (loops, leaks, stray globals) away from the database, not attackers.
import { Worker } from 'node:worker_threads';
import { DoSQLError, type ErrorCode } from '../errors.js';
import { installModuleSandbox, type ModuleSandbox, type SandboxCall } from '../sql/api/host.js';

/** The code of the worker thread (run with eval: loads the same from source and from dist). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
const { name, source, args, timeoutMs } = workerData;
let next = 0;
const pending = new Map();
parentPort.on('message', (m) => {
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.value);
  else p.reject(Object.assign(new Error(m.error.message), { code: m.error.code, name: m.error.name }));
});
const ask = (op, payload) => new Promise((resolve, reject) => {
  const id = ++next;
  pending.set(id, { resolve, reject });
  parentPort.postMessage({ type: 'db', id, op, ...payload });
});
const db = {
  query: (sql, params) => ask('query', { sql, params }),
  queryOne: (sql, params) => ask('queryOne', { sql, params }),
  run: (sql, params) => ask('run', { sql, params }),
  execute: (sql, params) => ask('execute', { sql, params }),
  exec: (sql) => ask('exec', { sql }),
  async transaction(fn) {
    const mark = await ask('savepoint', {});
    try { return await fn(db); } catch (e) { await ask('rollbackTo', { mark }); throw e; }
  },
};
const fail = (e) => {
  const error = e !== null && typeof e === 'object'
    ? { name: String(e.name || 'Error'), message: String(e.message), code: typeof e.code === 'string' ? e.code : undefined }
    : { name: 'Error', message: String(e), code: undefined };
  parentPort.postMessage({ type: 'done', ok: false, error });
};
(async () => {
  const context = vm.createContext(Object.create(null), { name: 'procedure ' + name, codeGeneration: { strings: false, wasm: false } });
  const body = source.replace(/\bexport\s+default\s+/, '__exports.default = ');
  const script = new vm.Script('(() => { const __exports = {};\n' + body + '\n;return __exports.default; })()', { filename: 'procedure:' + name });
  const fn = script.runInContext(context, { timeout: timeoutMs });
  if (typeof fn !== 'function') throw new Error('the default export of procedure ' + name + ' is not a function');
  const ctx = Object.freeze({ db, procedure: name, env: Object.freeze({}) });
  const value = await fn(ctx, ...args);
  try { parentPort.postMessage({ type: 'done', ok: true, value }); }
  catch (e) { throw new Error('procedure ' + name + ' returned a value that cannot be passed back (' + e.message + ')'); }
})().catch(fail);
`;

const DB_OPS = new Set(['query', 'queryOne', 'run', 'execute', 'exec']);

type Message =
  | { type: 'db'; id: number; op: string; sql?: unknown; params?: unknown; mark?: unknown }
  | { type: 'done'; ok: true; value: unknown }
  | { type: 'done'; ok: false; error: { name: string; message: string; code?: string } };

/** Runs one CALL of a module procedure in a worker thread (see the header). */
function runInWorker(call: SandboxCall): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { name: call.name, source: call.source, args: call.args, timeoutMs: call.timeoutMs },
      resourceLimits: { maxOldGenerationSizeMb: call.memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, call.memoryMb >> 2)) },
      // The host's flags (a loader, --inspect) have no business in the sandbox.
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (err: unknown, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      finish(new DoSQLError('INTERRUPTED', `proc: procedure ${call.name} ran past its time limit of ${call.timeoutMs} ms (limits.procedureTimeoutMs) and was stopped`, { details: { reason: 'timeout', timeoutMs: call.timeoutMs, procedure: call.name } }));
    }, call.timeoutMs);
    worker.on('message', (m: Message) => {
      if (m.type === 'done') {
        if (m.ok) finish(undefined, m.value);
        else finish(procedureError(call.name, m.error));
        return;
      }
      void answer(call, m).then(
        (value) => !settled && worker.postMessage({ id: m.id, ok: true, value }),
        (e: unknown) => !settled && worker.postMessage({ id: m.id, ok: false, error: errorShape(e) }),
      );
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(new DoSQLError('LIMIT_EXCEEDED', `proc: procedure ${call.name} used more than its memory limit of ${call.memoryMb} MiB (limits.procedureMemoryMb) and was stopped`, { details: { limit: 'procedureMemoryMb', max: call.memoryMb, procedure: call.name } }));
      } else finish(procedureError(call.name, { name: e.name, message: e.message }));
    });
    worker.on('exit', (code) => {
      finish(new DoSQLError('PROCEDURE_ERROR', `proc: procedure ${call.name}: its sandbox exited (code ${code}) before the procedure returned`, { details: { procedure: call.name } }));
    });
  });
}

/** One ctx.db call of the sandboxed code, run in the caller's transaction. */
async function answer(call: SandboxCall, m: Extract<Message, { type: 'db' }>): Promise<unknown> {
  const db = call.db;
  if (m.op === 'savepoint') return db.savepoint();
  if (m.op === 'rollbackTo') {
    if (typeof m.mark !== 'number') throw new DoSQLError('INVALID_ARGUMENT', 'proc: bad savepoint mark');
    db.rollbackTo(m.mark);
    return undefined;
  }
  if (!DB_OPS.has(m.op)) throw new DoSQLError('INVALID_ARGUMENT', `proc: ctx.db has no method ${m.op}`);
  const sql = m.sql as string;
  const params = m.params as never;
  switch (m.op) {
    case 'query':
      return db.query(sql, params);
    case 'queryOne':
      return db.queryOne(sql, params);
    case 'run':
      return db.run(sql, params);
    case 'execute':
      return db.execute(sql, params);
    default:
      return db.exec(sql);
  }
}

function errorShape(e: unknown): { name: string; message: string; code?: string } {
  if (e instanceof DoSQLError) return { name: e.name, message: e.message, code: e.code };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** An error thrown inside the procedure: a DoSQLError of a ctx.db call keeps its code; anything else is PROCEDURE_ERROR. */
function procedureError(name: string, e: { name: string; message: string; code?: string }): DoSQLError {
  if (e.name === 'DoSQLError' && e.code) return new DoSQLError(e.code as ErrorCode, e.message, { details: { procedure: name } });
  return new DoSQLError('PROCEDURE_ERROR', `proc: procedure ${name} failed: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`, { details: { procedure: name } });
}

/** The Node sandbox (see the header). */
export const nodeModuleSandbox: ModuleSandbox = { run: runInWorker };

installModuleSandbox(nodeModuleSandbox);
