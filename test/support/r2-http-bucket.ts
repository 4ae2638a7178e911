// An R2BucketLike for Node tests that reaches workerd's R2 (run by miniflare) over plain async
// HTTP: a small Worker holds the R2 binding and performs each bucket call, and every call from
// Node is one `Miniflare#dispatchFetch`.
//
// Why not `Miniflare#getR2Bucket`: its binding proxy makes the first call of every method and
// every property read of a returned object (`etag`, `size`, ...) through miniflare's
// SynchronousFetcher, which blocks Node's main thread on an Atomics flag that a worker thread
// sets before it notifies. If that thread is preempted between its store and its notify, the
// late notify wakes the *next* synchronous call before its reply exists, miniflare asserts
// `message?.id === id` ("AssertionError: false == true" in fetch-sync.ts), and every later
// call is answered with the reply to the one before it. On a loaded machine that broke the
// R2 conformance suite from one test on. Nothing here is synchronous.
import type { Miniflare } from 'miniflare';
import type { R2BucketLike, R2MultipartUploadLike, R2ObjectBodyLike, R2ObjectLike } from '../../src/storage/r2-store.js';

/** The Worker's binding name for the bucket. */
export const R2_HTTP_BINDING = 'BUCKET';

/**
 * The Worker (an ES module, run by workerd): POST /<op> with the call's arguments as JSON in
 * the `x-r2-args` header and a value, if any, as the body. Answers JSON, or for `get` the
 * object's bytes with its metadata in `x-r2-object`; a call that threw answers 500 with
 * `x-r2-error` and the error's text as the body.
 */
export const R2_HTTP_WORKER = `
const meta = (o) => (o ? { key: o.key, size: o.size, etag: o.etag } : null);
async function call(op, a, req, bucket) {
  switch (op) {
    case 'head':
      return Response.json(meta(await bucket.head(a.key)));
    case 'get': {
      const o = await bucket.get(a.key, a.options);
      if (!o) return Response.json(null, { headers: { 'x-r2-null': '1' } });
      return new Response(await o.arrayBuffer(), { headers: { 'x-r2-object': JSON.stringify(meta(o)) } });
    }
    case 'put':
      return Response.json(meta(await bucket.put(a.key, new Uint8Array(await req.arrayBuffer()), a.options)));
    case 'delete':
      await bucket.delete(a.keys);
      return Response.json(null);
    case 'list': {
      const r = await bucket.list(a.options);
      return Response.json({ objects: r.objects.map(meta), truncated: r.truncated, cursor: r.truncated ? r.cursor : undefined });
    }
    case 'createMultipartUpload': {
      const u = await bucket.createMultipartUpload(a.key);
      return Response.json({ key: u.key, uploadId: u.uploadId });
    }
    case 'uploadPart': {
      const p = await bucket.resumeMultipartUpload(a.key, a.uploadId).uploadPart(a.partNumber, new Uint8Array(await req.arrayBuffer()));
      return Response.json({ partNumber: p.partNumber, etag: p.etag });
    }
    case 'complete':
      return Response.json(meta(await bucket.resumeMultipartUpload(a.key, a.uploadId).complete(a.parts)));
    case 'abort':
      await bucket.resumeMultipartUpload(a.key, a.uploadId).abort();
      return Response.json(null);
  }
  throw new Error('no R2 operation ' + op);
}
export default {
  async fetch(req, env) {
    try {
      return await call(new URL(req.url).pathname.slice(1), JSON.parse(req.headers.get('x-r2-args') ?? '{}'), req, env.${R2_HTTP_BINDING});
    } catch (e) {
      return new Response(String(e && e.stack ? e.stack : e), { status: 500, headers: { 'x-r2-error': '1' } });
    }
  },
};
`;

/** The bucket behind `mf` (started with `script: R2_HTTP_WORKER, r2Buckets: [R2_HTTP_BINDING]`). */
export function httpR2Bucket(mf: Miniflare): R2BucketLike {
  const call = async (op: string, args: unknown, body?: Uint8Array): Promise<Response> => {
    const res = await mf.dispatchFetch(`http://r2.test/${op}`, {
      method: 'POST',
      headers: { 'x-r2-args': JSON.stringify(args) },
      ...(body ? { body } : {}),
    });
    if (res.headers.get('x-r2-error') !== null) throw new Error(`R2 (miniflare) ${op}: ${await res.text()}`);
    if (res.status !== 200) throw new Error(`R2 (miniflare) ${op}: HTTP ${res.status}: ${await res.text()}`);
    return res as unknown as Response;
  };
  const json = async <T>(op: string, args: unknown, body?: Uint8Array): Promise<T> => (await (await call(op, args, body)).json()) as T;
  return {
    head: (key) => json<R2ObjectLike | null>('head', { key }),
    async get(key, options) {
      const res = await call('get', { key, options });
      if (res.headers.get('x-r2-null') !== null) {
        await res.body?.cancel();
        return null;
      }
      const m = JSON.parse(res.headers.get('x-r2-object')!) as R2ObjectLike;
      const bytes = await res.arrayBuffer();
      const o: R2ObjectBodyLike = { ...m, arrayBuffer: async () => bytes };
      return o;
    },
    put: (key, value, options) => json<R2ObjectLike | null>('put', { key, options }, value),
    delete: async (keys) => void (await json<null>('delete', { keys })),
    list: (options) => json<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>('list', { options }),
    async createMultipartUpload(key) {
      const { uploadId } = await json<{ uploadId: string }>('createMultipartUpload', { key });
      const upload: R2MultipartUploadLike = {
        uploadPart: (partNumber, value) => json<{ partNumber: number; etag: string }>('uploadPart', { key, uploadId, partNumber }, value),
        complete: (parts) => json<R2ObjectLike>('complete', { key, uploadId, parts }),
        abort: async () => void (await json<null>('abort', { key, uploadId })),
      };
      return upload;
    },
  };
}
