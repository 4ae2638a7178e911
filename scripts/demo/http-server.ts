// A loopback HTTP server over one folder, with byte ranges: how the demo's "external reader"
// (icebird, which fetches over HTTP) sees the Iceberg warehouse dosql writes to disk, as
// test/iceberg-publish.test.ts does. It serves files only under the folder.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve, sep } from 'node:path';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`: URL of the folder's root. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` (GET, HEAD, `Range: bytes=a-b`) on an ephemeral loopback port. */
export async function serveFolder(root: string): Promise<LoopbackServer> {
  const base = resolve(root);
  // Data files are immutable (each publish writes new names), and readers ask for many ranges
  // of the same large one: keep the last one read in memory.
  let cached: { path: string; data: Buffer } | undefined;
  const load = async (path: string): Promise<Buffer> => {
    if (cached?.path === path) return cached.data;
    const data = await readFile(path);
    if (path.endsWith('.parquet')) cached = { path, data };
    return data;
  };
  const server: Server = createServer((req, res) => {
    const path = resolve(join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (path !== base && !path.startsWith(base + sep)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    load(path).then(
      (data) => {
        const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
        if (range) {
          const start = Number(range[1]);
          const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
          res.statusCode = 206;
          res.setHeader('content-range', `bytes ${start}-${end}/${data.length}`);
          res.end(data.subarray(start, end + 1));
          return;
        }
        res.setHeader('content-length', data.length);
        res.end(req.method === 'HEAD' ? undefined : data);
      },
      () => {
        res.statusCode = 404;
        res.end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
