// Every public entry point answers a wrong argument with a DoSQLError with a stable code, never
// a raw TypeError, ENAMETOOLONG or ENOTDIR (issue 13, item 8). A table lists each public
// function and method with the argument position it probes and the JavaScript types that are
// well-typed there. Each hostile value is passed in that position: an ill-typed one must give
// INVALID_ARGUMENT; a well-typed one may succeed or fail, but only with a DoSQLError. Afterwards
// the handle still works (a bad argument poisons nothing). Then: a database whose open failed
// keeps answering that error, and bad names and paths for DB().
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  branch,
  createTimeTravelSession,
  DB,
  DoSQLError,
  FsObjectStore,
  lsn,
  LsmEngine,
  MemoryObjectStore,
  relative,
  snapshot,
  timestamp,
  WriteBatch,
  type Database,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-api-arguments-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Values a JavaScript caller might pass anywhere. */
const HOSTILE: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['42', 42],
  ['NaN', NaN],
  ['-1', -1],
  ['1.5', 1.5],
  ['"x"', 'x'],
  ['""', ''],
  ['{}', {}],
  ['[]', []],
  ['[1]', [1]],
  ['function', () => 1],
  ['symbol', Symbol('s')],
  ['10n ** 30n', 10n ** 30n],
  ['true', true],
  ['Date', new Date(0)],
  ['Map', new Map()],
  ['Object.create(null)', Object.create(null) as unknown],
  ['Uint8Array', new Uint8Array(1)],
  // Our messages must not call the caller's toString.
  ['object whose toString throws', { toString: (): never => { throw new Error('toString called'); } }],
];

type Kind = 'string' | 'number' | 'bigint' | 'boolean' | 'undefined' | 'null' | 'array' | 'plain' | 'function' | 'bytes' | 'date' | 'strings';

function kindsOf(v: unknown): Kind[] {
  if (v === null) return ['null'];
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? ['array', 'strings'] : ['array'];
  if (v instanceof Uint8Array) return ['bytes'];
  if (v instanceof Date) return ['date'];
  if (typeof v === 'object') {
    const p: unknown = Object.getPrototypeOf(v);
    return p === Object.prototype || p === null ? ['plain'] : [];
  }
  return [typeof v as Kind];
}

interface Probe {
  /** The call, for messages: `x` is where the hostile value goes. */
  readonly call: string;
  readonly run: (x: unknown) => unknown;
  /** Kinds of value that are well-typed in this position. */
  readonly typed: readonly Kind[];
  /** Kinds not tried here (they would create folders in the working folder: tested on their own below). */
  readonly skip?: readonly Kind[];
}

const VALUE: Kind[] = ['null', 'undefined', 'number', 'bigint', 'string', 'boolean', 'bytes'];

function probes(db: Database): Probe[] {
  const st = db.prepare('SELECT ?');
  const tx = <T>(f: (t: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<T>): Promise<T> => db.transaction(f);
  const x = (v: unknown): never => v as never;
  return [
    { call: 'db.query(x)', run: (v) => db.query(x(v)), typed: ['string'] },
    { call: 'db.query(sql, x)', run: (v) => db.query('SELECT 1', x(v)), typed: ['undefined', 'null', 'array', 'plain'] },
    { call: 'db.query(sql, [], x)', run: (v) => db.query('SELECT 1', [], x(v)), typed: ['undefined', 'plain'] },
    { call: 'db.queryOne(x)', run: (v) => db.queryOne(x(v)), typed: ['string'] },
    { call: 'db.run(x)', run: (v) => db.run(x(v)), typed: ['string'] },
    { call: "db.run('SELECT ?', x)", run: (v) => db.run('SELECT ?', x(v)), typed: ['array', 'plain'] },
    { call: 'db.exec(x)', run: (v) => db.exec(x(v)), typed: ['string'] },
    { call: "db.exec('SELECT 1', x)", run: (v) => (db.exec as (s: string, p: unknown) => Promise<void>).call(db, 'SELECT 1', v), typed: ['undefined'] },
    { call: 'db.prepare(x)', run: (v) => db.prepare(x(v)), typed: ['string'] },
    { call: "prepare('SELECT ?').all(x)", run: (v) => st.all(x(v)), typed: [...VALUE, 'array', 'plain'] },
    { call: "prepare('SELECT ?').get(x)", run: (v) => st.get(x(v)), typed: [...VALUE, 'array', 'plain'] },
    { call: "prepare('SELECT ?').run(x)", run: (v) => st.run(x(v)), typed: [...VALUE, 'array', 'plain'] },
    { call: "prepare('SELECT ?').iterate(x)", run: async (v) => { for await (const _ of st.iterate(x(v))); }, typed: [...VALUE, 'array', 'plain'] },
    { call: "prepare('SELECT :a').all(x)", run: (v) => db.prepare('SELECT :a').all(x(v)), typed: ['plain'] },
    { call: 'db.resolve(x)', run: (v) => db.resolve(x(v)), typed: [] },
    { call: 'db.branch(x)', run: (v) => db.branch(x(v)), typed: ['string'] },
    { call: "db.branch('b', x)", run: (v) => db.branch(`b${Math.random().toString(36).slice(2)}`, x(v)), typed: ['undefined', 'plain'] },
    { call: 'db.checkout(x)', run: (v) => db.checkout(x(v)), typed: ['string'] },
    { call: 'db.deleteBranch(x)', run: (v) => db.deleteBranch(x(v)), typed: ['string'] },
    { call: "db.deleteBranch('nope', x)", run: (v) => db.deleteBranch('nope', x(v)), typed: ['undefined', 'plain'] },
    { call: 'db.createSnapshot(x)', run: (v) => db.createSnapshot(x(v)), typed: ['undefined', 'string'] },
    { call: 'db.deleteSnapshot(x)', run: (v) => db.deleteSnapshot(x(v)), typed: ['string'] },
    { call: 'db.merge(x)', run: (v) => db.merge(x(v)), typed: ['string'] },
    { call: "db.merge('nope', x)", run: (v) => db.merge('nope', x(v)), typed: ['undefined', 'plain'] },
    { call: 'db.resolveConflict(1, x)', run: (v) => db.resolveConflict(1, x(v)), typed: ['null', 'number', 'bigint', 'string', 'bytes', 'undefined'] },
    { call: "db.compareBranches(x, 'main')", run: (v) => db.compareBranches(x(v), 'main'), typed: ['string'] },
    { call: "db.compareBranches('main', x)", run: (v) => db.compareBranches('main', x(v)), typed: ['string'] },
    { call: "db.diff(x, 'main', { table: 't' })", run: (v) => db.diff(x(v), 'main', { table: 't' }), typed: ['string'] },
    { call: "db.diff('main', x, { table: 't' })", run: (v) => db.diff('main', x(v), { table: 't' }), typed: ['string'] },
    { call: "db.diff('main', 'main', x)", run: (v) => db.diff('main', 'main', x(v)), typed: [] },
    { call: "db.diff('main', 'main', { table: x })", run: (v) => db.diff('main', 'main', { table: x(v) }), typed: ['string'] },
    { call: 'db.compact(x)', run: (v) => db.compact(x(v)), typed: ['undefined', 'plain'] },
    { call: 'db.publishIceberg(x)', run: (v) => db.publishIceberg(x(v)), typed: ['undefined', 'strings'] },
    { call: 'db.icebergSnapshots(x)', run: (v) => db.icebergSnapshots(x(v)), typed: ['string'] },
    { call: 'db.cleanupIceberg(x)', run: (v) => db.cleanupIceberg(x(v)), typed: ['undefined', 'strings'] },
    { call: 'db.expireIcebergSnapshots(x)', run: (v) => db.expireIcebergSnapshots(x(v)), typed: [] },
    { call: 'db.expireIcebergSnapshots({ olderThanMs: x })', run: (v) => db.expireIcebergSnapshots({ olderThanMs: x(v) }), typed: ['number'] },
    { call: 'db.transaction(x)', run: (v) => db.transaction(x(v)), typed: ['function'] },
    { call: 'db.transaction(fn, x)', run: (v) => db.transaction(async () => 1, x(v)), typed: ['undefined', 'plain'] },
    { call: 'tx.query(x)', run: (v) => tx((t) => t.query(x(v))), typed: ['string'] },
    { call: "tx.query('SELECT 1', [], x)", run: (v) => tx((t) => t.query('SELECT 1', [], x(v))), typed: ['undefined', 'plain'] },
    { call: "tx.run('SELECT ?', x)", run: (v) => tx((t) => t.run('SELECT ?', x(v))), typed: ['array', 'plain'] },
    { call: 'tx.exec(x)', run: (v) => tx((t) => t.exec(x(v))), typed: ['string'] },
    { call: 'createTimeTravelSession(x, { asOf })', run: (v) => createTimeTravelSession(x(v), { asOf: lsn(1) }), typed: [] },
    { call: 'createTimeTravelSession(db, x)', run: (v) => createTimeTravelSession(db, x(v)), typed: [] },
    { call: 'createTimeTravelSession(db, { asOf: x })', run: (v) => createTimeTravelSession(db, { asOf: x(v) }), typed: [] },
    {
      call: 'session.query(x)',
      run: async (v) => {
        const s = await createTimeTravelSession(db, { asOf: lsn((await db.engine()).lastVisibleLsn) });
        try {
          return await s.query(x(v));
        } finally {
          await s.close();
        }
      },
      typed: ['string'],
    },
    { call: 'lsn(x)', run: (v) => lsn(x(v)), typed: ['number', 'bigint'] },
    { call: 'timestamp(x)', run: (v) => timestamp(x(v)), typed: ['string', 'number', 'date'] },
    { call: 'snapshot(x)', run: (v) => db.resolve(snapshot(x(v))), typed: ['string'] },
    { call: 'branch(x)', run: (v) => db.resolve(branch(x(v))), typed: ['string'] },
    { call: 'relative(x)', run: (v) => relative(x(v)), typed: [] },
    { call: 'relative({ versionOffset: x })', run: (v) => relative({ versionOffset: x(v) }), typed: ['number'] },
    { call: 'DB(x)', run: (v) => DB(x(v), { storage: 'memory' }), typed: ['string', 'undefined'] },
    // (No default options here: they would open ./.dosql/a in the working folder.)
    { call: "DB('a', x)", run: (v) => DB('a', x(v)), typed: ['undefined', 'plain'], skip: ['undefined', 'plain'] },
    ...(['storage', 'durability', 'memtableBytes', 'retention', 'clock', 'compaction', 'warehouse', 'hotDataMaxAge', 'coldFromLevel', 'yieldEveryOps', 'workerThreads', 'store'] as const).map(
      (k): Probe => ({ call: `DB('a', { ${k}: x })`, run: (v) => withOption(k, v), ...(k === 'storage' ? { skip: ['undefined'] as Kind[] } : {}), typed: k === 'retention' ? ['undefined', 'string', 'number'] : k === 'memtableBytes' || k === 'hotDataMaxAge' || k === 'coldFromLevel' || k === 'yieldEveryOps' ? ['undefined', 'number'] : k === 'workerThreads' ? ['undefined', 'boolean'] : k === 'compaction' || k === 'warehouse' ? ['undefined', 'plain'] : ['undefined'] }),
    ),
    { call: "DB('a', { path: x })", run: (v) => DB('a', { path: x(v) }).query('SELECT 1'), typed: [], skip: ['string', 'undefined'] },
    { call: 'LsmEngine.open(x)', run: (v) => LsmEngine.open(x(v)), typed: [] },
    { call: 'new WriteBatch().put(x, [1], bytes)', run: (v) => new WriteBatch().put(x(v), [1], new Uint8Array(1)), typed: ['number'] },
    { call: 'new WriteBatch().put(1, x, bytes)', run: (v) => new WriteBatch().put(1, x(v), new Uint8Array(1)), typed: ['array', 'strings'] },
    { call: 'new WriteBatch().put(1, [1], x)', run: (v) => new WriteBatch().put(1, [1], x(v)), typed: ['bytes'] },
    { call: 'new FsObjectStore(x)', run: (v) => new FsObjectStore(x(v)), typed: [], skip: ['string'] },
    { call: "new MemoryObjectStore().put(x, bytes)", run: (v) => new MemoryObjectStore().put(x(v), new Uint8Array(1)), typed: ['string'] },
    { call: "new MemoryObjectStore().put('k', x)", run: (v) => new MemoryObjectStore().put('k', x(v)), typed: ['bytes', 'array'] },
    { call: 'new MemoryObjectStore().get(x)', run: (v) => new MemoryObjectStore().get(x(v)), typed: ['string'] },
  ];
}

/** DB() with one option set to `v` on an in-memory store (the options are checked before the open). */
async function withOption(k: string, v: unknown): Promise<unknown> {
  const d = DB('a', { storage: 'memory', [k]: v } as never);
  try {
    return await d.query('SELECT 1');
  } finally {
    await d.close();
  }
}

describe('public API arguments', () => {
  it('ill-typed arguments give INVALID_ARGUMENT and well-typed ones only DoSQLErrors, everywhere', { timeout: 60_000 }, async () => {
    const db = DB('args', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.run("INSERT INTO t VALUES (1, 'a')");
    const problems: string[] = [];
    let checked = 0;
    for (const p of probes(db)) {
      for (const [label, v] of HOSTILE) {
        if (kindsOf(v).some((k) => p.skip?.includes(k))) continue;
        const typed = kindsOf(v).some((k) => p.typed.includes(k));
        let error: unknown;
        try {
          await p.run(v);
        } catch (e) {
          error = e;
        }
        checked++;
        const what = `${p.call.replace('x', label)}`;
        if (error === undefined) {
          if (!typed) problems.push(`${what}: accepted`);
        } else if (!(error instanceof DoSQLError)) problems.push(`${what}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
        else if (!typed && error.code !== 'INVALID_ARGUMENT') problems.push(`${what}: ${error.code} (${error.message})`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    // Nothing was poisoned: the handle answers, its snapshots and branches have proper names.
    expect(await db.query('SELECT v FROM t')).toEqual([{ v: 'a' }]);
    expect((await db.listSnapshots()).every((s) => typeof s.name === 'string')).toBe(true);
    expect((await db.createSnapshot('after')).name).toBe('after');
    expect((await db.listBranches()).every((b) => typeof b.name === 'string')).toBe(true);
    await db.close();
  });

  it('a database whose open failed with CORRUPTION keeps answering CORRUPTION, then CLOSED after close()', async () => {
    const store = new MemoryObjectStore();
    const first = DB('c', { store });
    await first.exec('CREATE TABLE t(a)');
    await (await first.engine()).flush();
    await first.close();
    for (const o of await store.list('sst/')) {
      const d = (await store.get(o.key))!.data;
      d[20]! ^= 0x40;
      await store.put(o.key, d);
    }
    const db = DB('c', { store });
    const calls: [string, () => unknown][] = [
      ['query', () => db.query('SELECT 1')],
      ['query again', () => db.query('SELECT 1')],
      ['queryOne', () => db.queryOne('SELECT 1')],
      ['run', () => db.run('INSERT INTO t VALUES (1)')],
      ['exec', () => db.exec('SELECT 1')],
      ['prepare().all', () => db.prepare('SELECT 1').all()],
      ['prepare().get', () => db.prepare('SELECT 1').get()],
      ['prepare().columns', () => db.prepare('SELECT 1').columns()],
      ['iterate', async () => { for await (const _ of db.prepare('SELECT 1').iterate()); }],
      ['transaction', () => db.transaction(async (tx) => tx.query('SELECT 1'))],
      ['listBranches', () => db.listBranches()],
      ['createSnapshot', () => db.createSnapshot()],
      ['resolve', () => db.resolve(lsn(1))],
      ['compact', () => db.compact()],
      ['open', () => db.open()],
    ];
    for (const [what, f] of calls) {
      let error: unknown;
      try {
        await f();
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(DoSQLError);
      expect((error as DoSQLError).code, `${what}: ${(error as Error).message}`).toBe('CORRUPTION');
    }
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('DB() refuses names and paths that cannot be a database folder with INVALID_ARGUMENT', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    mkdirSync(join(root, 'dir'));
    const open = async (name: string, options: Parameters<typeof DB>[1] = {}): Promise<unknown> => {
      try {
        const db = DB(name, options);
        await db.query('SELECT 1');
        await db.close();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const cases: [string, Parameters<typeof DB>[1], RegExp][] = [
      ['n'.repeat(256), { storage: 'memory' }, /at most 255/],
      ['a/b', { storage: 'memory' }, /letters, digits/],
      ['..', { storage: 'memory' }, /letters, digits/],
      ['.', { storage: 'memory' }, /letters, digits/],
      ['', { storage: 'memory' }, /letters, digits/],
      ['x', { path: 'x\0y' }, /NUL/],
      ['x', { path: file }, /not a folder/],
      ['x', { path: join(file, 'below') }, /not a folder/],
      ['x', { path: join(root, 'dir', 'c'.repeat(300)) }, /component of 300 bytes/],
      ['x', { storage: 'disk' as never }, /storage must be one of 'fs', 'memory'/],
      ['x', { path: '' }, /non-empty string/],
    ];
    for (const [name, options, message] of cases) {
      const e = await open(name, options);
      expect(e, `${name.slice(0, 20)} ${JSON.stringify(options)}`).toBeInstanceOf(DoSQLError);
      expect(e, `${name.slice(0, 20)} ${JSON.stringify(options)}`).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
    // The default folder (.dosql/<name> under the working folder) too: here a name of 255 bytes works.
    expect(await open('n'.repeat(255), { path: join(root, 'dir', 'ok') })).toBeUndefined();
    // A bad folder given to the store directly.
    expect(() => new FsObjectStore(join(file, 'x'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
