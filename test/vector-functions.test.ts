// The vector SQL functions (src/vector): distances computed in float64 by the plain formulas
// here, independently of the code under test; the seeds' Float32 BLOB encoding round-trips;
// nearest-neighbour ORDER BY ... LIMIT matches a brute-force sort; malformed vectors and
// dimension mismatches are DoSQLError with the "vector:" prefix, never TypeError.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError } from '../src/index.js';
import { Rng } from './support/sql-gen/random.js';

type Db = ReturnType<typeof DB>;

const blob = (v: readonly number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);
const f32 = (v: readonly number[]): number[] => Array.from(new Float32Array(v));

function cos(a: number[], b: number[]): number {
  const ab = a.reduce((s, x, i) => s + x * b[i]!, 0);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  return na === 0 || nb === 0 ? 1 : Math.max(0, 1 - ab / (na * nb));
}
const l2 = (a: number[], b: number[]): number => Math.hypot(...a.map((x, i) => x - b[i]!));
const dotp = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

async function one(db: Db, sql: string, params: unknown[] = []): Promise<unknown> {
  const rows = await db.prepare(sql).raw(true).all(...(params as never[]));
  return (rows as unknown[][])[0]![0];
}

async function errorOf(db: Db, sql: string, params: unknown[] = []): Promise<DoSQLError> {
  try {
    await one(db, sql, params);
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    return e as DoSQLError;
  }
  throw new Error(`expected an error from ${sql}`);
}

describe('vector functions', () => {
  let db: Db;
  beforeAll(() => {
    db = DB('vector-fns', { storage: 'memory' });
  });
  afterAll(async () => {
    await db.close();
  });

  it('distances agree with the formulas on random vectors, for every metric spelling', async () => {
    const rng = new Rng(7);
    for (let t = 0; t < 60; t++) {
      const dims = rng.int(1, 40);
      const a = f32(Array.from({ length: dims }, () => rng.int(0, 2001 - 1) / 100 - 10));
      const b = f32(Array.from({ length: dims }, () => rng.int(0, 2001 - 1) / 100 - 10));
      const [A, B] = [blob(a), blob(b)];
      const close = (x: unknown, want: number): void => expect(x as number).toBeCloseTo(want, 4);
      close(await one(db, 'SELECT vector_distance(?, ?)', [A, B]), cos(a, b));
      close(await one(db, "SELECT vector_distance(?, ?, 'cosine')", [A, B]), cos(a, b));
      close(await one(db, 'SELECT cosine_distance(?, ?)', [A, B]), cos(a, b));
      close(await one(db, 'SELECT cosine_similarity(?, ?)', [A, B]), 1 - cos(a, b));
      close(await one(db, "SELECT vector_distance(?, ?, 'L2')", [A, B]), l2(a, b));
      close(await one(db, "SELECT vector_distance(?, ?, 'euclidean')", [A, B]), l2(a, b));
      close(await one(db, 'SELECT euclidean_distance(?, ?)', [A, B]), l2(a, b));
      close(await one(db, 'SELECT l2_distance(?, ?)', [A, B]), l2(a, b));
      expect(await one(db, "SELECT vector_distance(?, ?, 'dot_product')", [A, B]) as number).toBeCloseTo(1 - dotp(a, b), 2);
      expect(await one(db, 'SELECT dot_product(?, ?)', [A, B]) as number).toBeCloseTo(dotp(a, b), 2);
    }
  });

  it('vector(json) builds the seeds\' Float32 BLOB; vector_to_json reads it back; text works as a vector', async () => {
    const v = [0.1, -2.5, 3, 1e-7];
    expect(await one(db, "SELECT vector('[0.1, -2.5, 3, 1e-7]')")).toEqual(blob(v));
    // Shortest decimals that read back as the same float32 components.
    expect(await one(db, 'SELECT vector_to_json(?)', [blob(v)])).toBe('[0.1,-2.5,3,1e-7]');
    expect(f32(JSON.parse((await one(db, 'SELECT vector_to_json(?)', [blob(v)])) as string))).toEqual(f32(v));
    expect(await one(db, 'SELECT vector_dims(?)', [blob(v)])).toBe(4);
    expect(await one(db, "SELECT vector_distance('[1,0]', '[0,1]')")).toBeCloseTo(1, 10);
    expect(await one(db, "SELECT vector_distance('[1,0]', '[1,0]', 'l2')")).toBe(0);
    // A zero vector has no direction: cosine distance 1 (not NaN).
    expect(await one(db, "SELECT vector_distance('[0,0]', '[1,0]')")).toBe(1);
    // An unaligned BLOB (a slice at an odd offset) reads the same.
    const buf = new Uint8Array(9);
    buf.set(blob([1, 2]), 1);
    expect(await one(db, 'SELECT vector_to_json(?)', [buf.subarray(1)])).toBe('[1,2]');
  });

  it('NULL in gives NULL out', async () => {
    expect(await one(db, 'SELECT vector_distance(NULL, ?)', [blob([1])])).toBeNull();
    expect(await one(db, 'SELECT vector_distance(?, NULL)', [blob([1])])).toBeNull();
    expect(await one(db, 'SELECT vector(NULL)')).toBeNull();
    expect(await one(db, 'SELECT vector_to_json(NULL)')).toBeNull();
  });

  it('dimension mismatch, bad blobs, bad JSON and unknown metrics are typed errors naming the function', async () => {
    let e = await errorOf(db, 'SELECT vector_distance(?, ?)', [blob([1, 2, 3]), blob([1, 2])]);
    expect(e.code).toBe('SQL_ERROR');
    expect(e.message).toMatch(/^vector: vector_distance\(\): dimension mismatch: 3 vs 2/);
    e = await errorOf(db, 'SELECT cosine_distance(?, ?)', [new Uint8Array(6), blob([1])]);
    expect(e.message).toMatch(/^vector: cosine_distance\(\) argument 1 is a BLOB of 6 bytes/);
    e = await errorOf(db, 'SELECT vector_distance(?, ?)', [new Uint8Array(0), blob([1])]);
    expect(e.message).toMatch(/BLOB of 0 bytes/);
    e = await errorOf(db, 'SELECT vector_distance(?, ?)', [blob([NaN]), blob([1])]);
    expect(e.message).toMatch(/NaN or infinite component at index 0/);
    e = await errorOf(db, "SELECT vector('[1, \"x\"]')");
    expect(e.message).toMatch(/^vector: vector\(\) argument 1 element 1 is not a finite float32 number/);
    e = await errorOf(db, "SELECT vector('nope')");
    expect(e.message).toMatch(/not a JSON array/);
    e = await errorOf(db, "SELECT vector('[]')");
    expect(e.message).toMatch(/non-empty/);
    e = await errorOf(db, 'SELECT vector_distance(1, 2)');
    expect(e.message).toMatch(/argument 1 is INTEGER, not a vector/);
    e = await errorOf(db, "SELECT vector_distance('[1]', '[1]', 'manhattan')");
    expect(e.message).toMatch(/unknown metric "manhattan"/);
    e = await errorOf(db, "SELECT vector('[1e39]')");
    expect(e.message).toMatch(/finite float32/);
  });

  it('ORDER BY vector_distance(col, :q) LIMIT k is the brute-force top k (seed 001\'s query)', async () => {
    const rng = new Rng(11);
    await db.exec('CREATE TABLE documents (id INTEGER PRIMARY KEY, content TEXT NOT NULL, embedding BLOB)');
    const vecs: number[][] = [];
    for (let i = 1; i <= 200; i++) {
      const v = f32(Array.from({ length: 16 }, () => rng.int(0, 1000 - 1) / 500 - 1));
      vecs.push(v);
      await db.run('INSERT INTO documents (id, content, embedding) VALUES (?, ?, ?)', [i, `doc ${i}`, blob(v)]);
    }
    await db.run("INSERT INTO documents (id, content, embedding) VALUES (201, 'no embedding', NULL)");
    const q = f32(Array.from({ length: 16 }, () => rng.int(0, 1000 - 1) / 500 - 1));
    const rows = await db.query<{ id: number; distance: number }>(
      'SELECT id, content, vector_distance(embedding, :q) AS distance FROM documents WHERE embedding IS NOT NULL ORDER BY distance ASC LIMIT 10',
      { q: blob(q) },
    );
    const want = vecs.map((v, i) => ({ id: i + 1, d: cos(v, q) })).sort((x, y) => x.d - y.d).slice(0, 10);
    expect(rows.map((r) => r.id)).toEqual(want.map((w) => w.id));
    rows.forEach((r, i) => expect(r.distance).toBeCloseTo(want[i]!.d, 5));
  });
});
