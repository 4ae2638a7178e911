// The test build of examples/worker for external tables (test/worker-external.test.ts): the
// template unchanged plus two routes. PUT /__test/object/<key> stores the body in the R2 bucket
// (env.BUCKET); GET /__test/external runs the seeds' external-table queries on a database whose
// cold tier is that bucket, and returns the rows, the read counters and the errors it expected.
import template, { TenantDatabase, type Env } from '../../examples/worker/src/index.js';
import { DB, MemoryObjectStore } from '../../src/worker/exports.js';
import { externalReadStats, resetExternalReadStats } from '../../src/virtual/index.js';

export { TenantDatabase };

async function external(env: Env): Promise<unknown> {
  const db = DB('ext', { storage: { hot: new MemoryObjectStore(), cold: env.BUCKET } });
  try {
    resetExternalReadStats();
    // Seed 000, "Query Parquet files directly from R2", as written (ORDER BY added for a stable answer).
    const sales = await db.query(`
      SELECT
        region,
        SUM(revenue) as total_revenue,
        COUNT(*) as transaction_count
      FROM 'r2://analytics-bucket/sales/year=2024/*.parquet'
      WHERE month >= 10
      GROUP BY region
      ORDER BY region
    `);
    const salesStats = externalReadStats();
    resetExternalReadStats();
    const byMonth = await db.query("SELECT month, count(*) AS n, sum(revenue) AS s FROM 'r2://analytics-bucket/by-month/**/*.parquet' WHERE month >= 10 GROUP BY month ORDER BY month");
    const byMonthStats = externalReadStats();
    const csv = await db.query("SELECT status, count(*) AS n FROM 'r2://analytics-bucket/exports/data.csv' WITH (headers = true, delimiter = ',') WHERE status = 'active' GROUP BY status");
    let localError: unknown;
    try {
      await db.query("SELECT * FROM '/tmp/data.parquet'");
    } catch (e) {
      localError = { code: (e as { code?: string }).code, message: (e as Error).message };
    }
    return { sales, salesStats, byMonth, byMonthStats, csv, localError };
  } finally {
    await db.close();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith('/__test/object/') && request.method === 'PUT') {
        await env.BUCKET.put(decodeURIComponent(url.pathname.slice('/__test/object/'.length)), new Uint8Array(await request.arrayBuffer()));
        return new Response('ok');
      }
      if (url.pathname === '/__test/external') return Response.json(await external(env));
    } catch (e) {
      return Response.json({ error: (e as Error).message, stack: (e as Error).stack }, { status: 500 });
    }
    return template.fetch(request, env);
  },
};
