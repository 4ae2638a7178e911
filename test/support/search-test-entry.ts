// The test build of examples/worker for search (test/worker-search.test.ts): the template
// unchanged plus GET /__test/search, which runs vector and full-text search on an in-memory
// database inside workerd and returns what it found.
import template, { TenantDatabase, type Env } from '../../examples/worker/src/index.js';
import { DB } from '../../src/worker/exports.js';
import { loadRoaring } from '../../src/search/docset.js';

export { TenantDatabase };

const blob = (v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

async function search(): Promise<unknown> {
  const db = DB('search', { storage: 'memory' });
  await db.exec(`
    CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT, content TEXT, embedding BLOB);
    CREATE VIRTUAL TABLE documents_fts USING fts5(title, content, content='documents', content_rowid='id', tokenize='porter');
    CREATE INDEX idx_emb ON documents USING VECTOR (embedding) WITH (dimensions = 3, metric = 'cosine');
  `);
  const docs: [number, string, string, number[]][] = [
    [1, 'Durable Objects', 'stateful storage running at the edge', [1, 0, 0]],
    [2, 'Vectors', 'searching embeddings by similarity', [0, 1, 0]],
    [3, 'Edge storage', 'objects stored near users', [0.9, 0.1, 0]],
  ];
  for (const [id, title, content, e] of docs) await db.run('INSERT INTO documents VALUES (?, ?, ?, ?)', [id, title, content, blob(e)]);
  await db.run("UPDATE documents SET content = 'nothing to see' WHERE id = 1");
  const fts = await db.query("SELECT rowid, highlight(documents_fts, 1, '[', ']') AS h FROM documents_fts WHERE documents_fts MATCH 'store*' ORDER BY rank");
  const nearest = await db.query('SELECT id, vector_distance(embedding, ?) AS distance FROM documents ORDER BY distance LIMIT 2', [blob([1, 0, 0])]);
  const topK = await db.query("SELECT id FROM vector_top_k('idx_emb', vector('[0, 1, 0]'), 1)");
  const plan = await db.query('EXPLAIN QUERY PLAN SELECT id FROM documents ORDER BY vector_distance(embedding, ?) LIMIT 2', [blob([1, 0, 0])]);
  // A deleted row leaves the bitmaps; NOT subtracts one; 'rebuild' builds the index again.
  await db.run('DELETE FROM documents WHERE id = 2');
  const boolean = await db.query("SELECT rowid FROM documents_fts WHERE documents_fts MATCH '(objects OR embeddings) NOT edge' ORDER BY rowid");
  await db.run("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')");
  const rebuilt = await db.query("SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'storage OR objects OR embeddings' ORDER BY rowid");
  const docsets = (await loadRoaring()) ? 'roaring-wasm' : 'javascript';
  await db.close();
  return { fts, boolean, rebuilt, docsets, nearest, topK, plan };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__test/search') {
      try {
        return Response.json(await search());
      } catch (e) {
        return Response.json({ error: (e as Error).message, stack: (e as Error).stack }, { status: 500 });
      }
    }
    return template.fetch(request, env);
  },
};
