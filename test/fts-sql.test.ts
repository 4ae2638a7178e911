// fts5 tables inside dosql's storage: the index commits with its rows (rolled back with them,
// reopened from the store after close, separate per branch), DROP clears it, the seed
// documents' forms run (seed 001's `content MATCH :q` / bm25_score on a plain table, seed 000's
// hybrid query), and mistakes are typed errors with fts5's messages.
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, MemoryObjectStore } from '../src/index.js';

const blob = (v: readonly number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

async function errorOf(p: Promise<unknown>): Promise<DoSQLError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    return e as DoSQLError;
  }
  throw new Error('expected an error');
}

describe('fts5 in dosql', () => {
  it('the index is part of the transaction: rolled back with its rows, durable across reopen', async () => {
    const store = new MemoryObjectStore();
    let db = DB('fts-tx', { store });
    await db.exec("CREATE VIRTUAL TABLE notes USING fts5(body, tokenize = 'porter unicode61')");
    await db.run("INSERT INTO notes(body) VALUES ('connecting the pipes'), ('a quiet evening')");
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO notes(body) VALUES ('connected again')");
        await tx.run("UPDATE notes SET body = 'nothing' WHERE rowid = 1");
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.query("SELECT rowid, body FROM notes WHERE notes MATCH 'connect' ORDER BY rowid")).toEqual([{ rowid: 1, body: 'connecting the pipes' }]);
    await db.close();
    db = DB('fts-tx', { store });
    expect(await db.query("SELECT rowid FROM notes WHERE notes MATCH 'connections OR evenings' ORDER BY rowid")).toEqual([{ rowid: 1 }, { rowid: 2 }]);
    await db.run('DELETE FROM notes WHERE rowid = 1');
    expect(await db.query("SELECT rowid FROM notes WHERE notes MATCH 'connect'")).toEqual([]);
    await db.exec('DROP TABLE notes');
    await expect(db.query("SELECT * FROM notes WHERE notes MATCH 'x'")).rejects.toThrow(/no such table: notes/);
    await db.close();
  });

  it('branches see their own index entries', async () => {
    const db = DB('fts-branch', { storage: 'memory' });
    await db.exec("CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE docs_fts USING fts5(body, content='docs', content_rowid='id')");
    await db.run("INSERT INTO docs VALUES (1, 'red apple'), (2, 'green pear')");
    await db.branch('feature');
    await db.checkout('feature');
    await db.run("INSERT INTO docs VALUES (3, 'red cherry')");
    await db.run('DELETE FROM docs WHERE id = 1');
    expect(await db.query("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'red'")).toEqual([{ rowid: 3 }]);
    await db.checkout('main');
    expect(await db.query("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'red'")).toEqual([{ rowid: 1 }]);
    await db.exec('DROP TABLE docs_fts');
    expect(await db.query("SELECT count(*) AS n FROM docs")).toEqual([{ n: 2 }]);
    await db.close();
  });

  it('snippet(), rank and column filters on a table of its own', async () => {
    const db = DB('fts-snip', { storage: 'memory' });
    await db.exec('CREATE VIRTUAL TABLE t USING fts5(title, body)');
    await db.run("INSERT INTO t(rowid, title, body) VALUES (1, 'Storage engines', 'An LSM tree keeps a memtable and sorted runs that compaction merges over time'), (2, 'Trees', 'A B-tree keeps pages; an LSM tree appends')");
    const rows = await db.query<{ rowid: number; s: string }>("SELECT rowid, snippet(t, 1, '<', '>', '...', 5) AS s FROM t WHERE t MATCH 'compaction' ORDER BY rank");
    expect(rows).toEqual([{ rowid: 1, s: expect.stringMatching(/<compaction>/) }]);
    expect(rows[0]!.s.split(/\s+/).length).toBeLessThanOrEqual(6);
    expect(await db.query("SELECT rowid FROM t WHERE t MATCH 'title : tree*' ORDER BY rowid")).toEqual([{ rowid: 2 }]);
    expect(await db.query("SELECT rowid FROM t WHERE t MATCH 'NEAR(lsm appends, 1)'")).toEqual([{ rowid: 2 }]);
    expect(await db.query("SELECT rowid FROM t WHERE t MATCH 'lsm' ORDER BY rank")).toHaveLength(2);
    // Without MATCH the table scans all its rows.
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
    await db.close();
  });

  it('mistakes are typed errors', async () => {
    const db = DB('fts-err', { storage: 'memory' });
    await db.exec('CREATE VIRTUAL TABLE t USING fts5(a, b)');
    await db.run("INSERT INTO t VALUES ('x', 'y')");
    expect((await errorOf(db.query("SELECT * FROM t WHERE t MATCH 'a AND'"))).message).toMatch(/^fts5: syntax error near ""/);
    expect((await errorOf(db.query("SELECT * FROM t WHERE t MATCH 'nope : x'"))).message).toBe('fts5: no such column: nope');
    expect((await errorOf(db.query("SELECT * FROM t WHERE t MATCH 'a.b'"))).message).toMatch(/syntax error near "\."/);
    expect((await errorOf(db.exec('CREATE VIRTUAL TABLE u USING nosuch(a)'))).message).toBe('sql: no such module: nosuch');
    expect((await errorOf(db.exec("CREATE VIRTUAL TABLE u USING fts5(a, tokenize='ascii')"))).message).toMatch(/no such tokenizer: ascii/);
    expect((await errorOf(db.exec("CREATE VIRTUAL TABLE u USING fts5(a, content='missing')"))).message).toMatch(/no such content table: missing/);
    expect((await errorOf(db.exec('CREATE VIRTUAL TABLE t USING fts5(a)'))).message).toMatch(/already exists/);
    await db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(a)');
    expect((await errorOf(db.query('SELECT bm25(a) FROM t'))).message).toMatch(/unable to use function bm25 in the requested context/);
    await db.close();
  });

  it("seed 001's plain-table forms: content MATCH :q and bm25_score(content, :q)", async () => {
    const db = DB('fts-seed1', { storage: 'memory' });
    await db.exec('CREATE TABLE documents (id INTEGER PRIMARY KEY, content TEXT NOT NULL, embedding BLOB)');
    await db.run('INSERT INTO documents VALUES (1, ?, ?), (2, ?, ?), (3, ?, ?)', ['hello greeting world', blob([1, 0]), 'greeting greeting card', blob([0, 1]), 'farewell', blob([1, 1])]);
    const rows = await db.query<{ id: number; score: number }>(
      `SELECT id, content, (0.5 * bm25_score(content, :query)) + (0.5 * (1 - vector_distance(embedding, :embedding))) AS score
       FROM documents WHERE content MATCH :query ORDER BY score DESC LIMIT 10`,
      { query: 'greeting', embedding: blob([1, 0]) },
    );
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2]);
    expect(await db.query("SELECT id FROM documents WHERE content NOT MATCH 'greeting'")).toEqual([{ id: 3 }]);
    await db.close();
  });

  it("seed 000's hybrid query runs and ranks documents matching both signals first", async () => {
    const db = DB('hybrid', { storage: 'memory' });
    await db.exec(`
      CREATE TABLE IF NOT EXISTS documents (id INTEGER PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL, embedding BLOB, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
      CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(title, content, content='documents', content_rowid='id');
      CREATE INDEX IF NOT EXISTS idx_documents_embedding ON documents USING VECTOR (embedding) WITH (dimensions = 3, metric = 'cosine', m = 16, ef_construction = 200);
    `);
    const docs: [number, string, string, number[]][] = [
      [1, 'Durable Objects', 'storage for stateful workers at the edge', [1, 0, 0]],
      [2, 'Vector search', 'nearest neighbours of embeddings with hnsw', [0, 1, 0]],
      [3, 'Edge storage', 'object storage replicated near users', [0.9, 0.1, 0]],
      [4, 'Cooking', 'a recipe for bread', [0, 0, 1]],
    ];
    for (const [id, title, content, e] of docs) await db.run('INSERT INTO documents (id, title, content, embedding) VALUES (?, ?, ?, ?)', [id, title, content, blob(e)]);
    const results = await db.query<{ id: number; combined_score: number }>(
      `WITH keyword_matches AS (
         SELECT rowid as id, bm25(documents_fts) as keyword_score FROM documents_fts WHERE documents_fts MATCH :query LIMIT 100
       ),
       semantic_matches AS (
         SELECT id, 1 - vector_distance(embedding, :embedding) as semantic_score FROM documents
         WHERE embedding IS NOT NULL ORDER BY vector_distance(embedding, :embedding) ASC LIMIT 100
       ),
       combined AS (
         SELECT d.id, d.title, d.content,
           COALESCE(km.keyword_score, 0) * :keywordWeight + COALESCE(sm.semantic_score, 0) * :semanticWeight as combined_score
         FROM documents d
         LEFT JOIN keyword_matches km ON km.id = d.id
         LEFT JOIN semantic_matches sm ON sm.id = d.id
         WHERE km.id IS NOT NULL OR sm.id IS NOT NULL
       )
       SELECT * FROM combined ORDER BY combined_score DESC LIMIT :limit`,
      { query: 'storage', embedding: blob([1, 0, 0]), keywordWeight: -0.4, semanticWeight: 0.6, limit: 3 },
    );
    // bm25() is negative (better is lower), so the keyword weight is negated to add relevance.
    expect(results.map((r) => r.id)).toEqual([1, 3, 2]);
    // Reciprocal-rank fusion, the pattern docs/search.md gives.
    const rrf = await db.query<{ id: number; rrf: number }>(
      `WITH kw AS (
         SELECT rowid AS id, row_number() OVER (ORDER BY rank) AS r
         FROM documents_fts WHERE documents_fts MATCH :query ORDER BY rank LIMIT 100
       ), sem AS (
         SELECT id, row_number() OVER (ORDER BY d) AS r FROM (
           SELECT id, vector_distance(embedding, :embedding) AS d FROM documents ORDER BY d LIMIT 100)
       )
       SELECT d.id, d.title, COALESCE(1.0 / (60 + kw.r), 0) + COALESCE(1.0 / (60 + sem.r), 0) AS rrf
       FROM documents d LEFT JOIN kw ON kw.id = d.id LEFT JOIN sem ON sem.id = d.id
       WHERE kw.id IS NOT NULL OR sem.id IS NOT NULL
       ORDER BY rrf DESC LIMIT 10`,
      { query: 'storage', embedding: blob([1, 0, 0]) },
    );
    // Documents 1 and 3 top both lists in opposite orders (3 has more 'storage', 1 is nearest).
    expect(rrf.map((r) => r.id).slice(0, 2).sort()).toEqual([1, 3]);
    expect(rrf[0]!.rrf).toBeCloseTo(1 / 61 + 1 / 62, 10);
    expect(rrf[1]!.rrf).toBeCloseTo(1 / 61 + 1 / 62, 10);
    expect(rrf.map((r) => r.id)).toContain(2);
    await db.close();
  });
});
