// Vector and full-text search in workerd (the examples/worker template bundled by wrangler):
// fts5 with an external-content table kept in sync, porter stemming, prefix queries and
// highlight(); vector_distance and the vector index, whose searches are exact there (usearch
// is a native module and does not load in workerd: docs/search.md).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startWorker, type RunningWorker } from './support/worker-harness.js';

describe('search in workerd', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker({
      config: join(ROOT, 'examples/worker/wrangler.toml'),
      entrypoint: join(ROOT, 'test/support/search-test-entry.ts'),
      alias: { 'dosql/worker': join(ROOT, 'src/worker/exports.ts') },
      token: null,
    });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('answers fts5 and vector queries', async () => {
    const res = await w.api('/__test/search');
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    // 'store*' matches storage and stored (porter: 'store', 'storag'); row 1's content changed.
    expect(body.fts).toEqual([{ rowid: 3, h: 'objects [stored] near users' }]);
    expect(body.boolean).toEqual([{ rowid: 1 }]);
    expect(body.rebuilt).toEqual([{ rowid: 1 }, { rowid: 3 }]);
    // roaring-wasm compiles its WebAssembly from bytes, which workerd refuses: query-time
    // document sets are JavaScript sets there (the stored bitmaps are the same bytes).
    expect(body.docsets).toBe('javascript');
    expect((body.nearest as { id: number }[]).map((r) => r.id)).toEqual([1, 3]);
    expect(body.topK).toEqual([{ id: 2 }]);
    expect(JSON.stringify(body.plan)).toMatch(/vector_knn_rowids/);
  });
});
