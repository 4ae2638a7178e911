// A loopback HTTP server for a folder, with HTTP range requests: how the tests hand a
// warehouse (or a database folder) to external Iceberg readers such as icebird.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticServer {
  /** `http://127.0.0.1:<port>`: the folder's root. */
  readonly base: string;
  close(): Promise<void>;
}

/** Serves the files under `root` (404 for anything missing). */
export async function serveFolder(root: string): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    let data: Buffer;
    try {
      data = readFileSync(join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
    } catch {
      res.statusCode = 404;
      res.end();
      return;
    }
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : data.length - 1;
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${data.length}`);
      res.end(data.subarray(start, end + 1));
      return;
    }
    res.setHeader('content-length', data.length);
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
