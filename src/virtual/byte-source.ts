// The bytes of one external file behind one shape, whatever holds it: a local file (through
// the LocalFiles the Node entry injects), an object in an ObjectStore (r2://), or an HTTP
// resource. Every read is bounded (docs/external-tables.md "Limits"): a file larger than
// maxBytes, more bytes fetched than maxBytes, or an HTTP request slower than timeoutMs fails
// with LIMIT_EXCEEDED naming the location, so a huge or hostile remote file can neither hang
// the statement nor exhaust memory.
import { DoSQLError } from '../errors.js';
import type { ExternalHost } from '../sql/planner/external-tables.js';
import type { ObjectStore } from '../storage/object-store.js';
import { globBase, globToRegExp } from './glob.js';
import type { Location } from './location.js';
import { countStats } from './read-stats.js';

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_FILES = 10_000;

/** One file: its name for messages, its size, and ranged reads. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** How a statement reads: the host's bounds, lowered (never raised) by WITH options, and HTTP headers. */
export interface ReadBounds {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxFiles: number;
  readonly headers: Readonly<Record<string, string>>;
}

function tooBig(name: string, what: string, max: number): DoSQLError {
  return new DoSQLError('LIMIT_EXCEEDED', `external: ${name}: ${what} exceeds max_bytes ${max}`, { details: { location: name, limit: 'max_bytes', max } });
}

/** Wraps a source so the bytes it returns in total stay under `bounds.maxBytes`. */
function budgeted(src: ByteSource, bounds: ReadBounds): ByteSource {
  let used = 0;
  return {
    name: src.name,
    size: src.size,
    async read(start, end) {
      used += end - start;
      if (used > bounds.maxBytes) throw tooBig(src.name, 'bytes read', bounds.maxBytes);
      const b = await src.read(start, end);
      countStats({ bytesRead: b.byteLength });
      return b;
    },
  };
}

/** The store for `r2://bucket/...`: a named bucket, else the database's cold bucket. */
function storeFor(host: ExternalHost, bucket: string, location: string): ObjectStore {
  const s = host.buckets?.[bucket] ?? host.coldBucket;
  if (!s) {
    throw new DoSQLError('NOT_SUPPORTED', `external: ${location}: no object store for bucket '${bucket}': pass DB(name, { storage: { cold: env.BUCKET } }) or { external: { buckets: { '${bucket}': store } } }`, { details: { location } });
  }
  return s;
}

function localFiles(host: ExternalHost, location: string): NonNullable<ExternalHost['files']> {
  if (!host.files) throw new DoSQLError('NOT_SUPPORTED', `external: ${location}: local files are readable only in Node (on Workers use r2:// or https://)`, { details: { location } });
  return host.files;
}

/**
 * The files a location names, in path order: one file, or every file a glob matches (at most
 * bounds.maxFiles). Each entry has the path the glob matched (for Hive partitions) and opens lazily.
 */
export async function listFiles(loc: Location, location: string, host: ExternalHost, bounds: ReadBounds): Promise<{ path: string; base: string; open: () => Promise<ByteSource> }[]> {
  switch (loc.kind) {
    case 'http':
      return [{ path: loc.url, base: '', open: () => httpSource(loc.url, host, bounds) }];
    case 'file': {
      const files = localFiles(host, location);
      const pattern = files.resolve(loc.path);
      if (!loc.glob) return [{ path: pattern, base: pattern.slice(0, pattern.lastIndexOf('/') + 1), open: () => fileSource(pattern, host, bounds) }];
      const base = globBase(pattern);
      const re = globToRegExp(pattern);
      const all = await files.list(base.replace(/\/$/, '') || '/');
      const matched = all.filter((p) => re.test(p)).sort();
      checkCount(matched.length, location, bounds);
      return matched.map((p) => ({ path: p, base, open: () => fileSource(p, host, bounds) }));
    }
    case 'r2': {
      const store = storeFor(host, loc.bucket, location);
      if (!loc.glob) return [{ path: loc.key, base: loc.key.slice(0, loc.key.lastIndexOf('/') + 1), open: () => storeSource(store, loc.key, location, bounds) }];
      const base = globBase(loc.key);
      const re = globToRegExp(loc.key);
      const listed = await store.list(base).catch((e: unknown) => {
        throw new DoSQLError('IO_ERROR', `external: ${location}: cannot list ${store.name}: ${(e as Error).message}`, { cause: e, details: { location } });
      });
      const matched = listed.map((o) => o.key).filter((k) => re.test(k)).sort();
      checkCount(matched.length, location, bounds);
      return matched.map((k) => ({ path: k, base, open: () => storeSource(store, k, `r2://${loc.bucket}/${k}`, bounds) }));
    }
  }
}

function checkCount(n: number, location: string, bounds: ReadBounds): void {
  if (n > bounds.maxFiles) throw new DoSQLError('LIMIT_EXCEEDED', `external: ${location}: the glob matches ${n} files, more than max_files ${bounds.maxFiles}`, { details: { location, limit: 'max_files', max: bounds.maxFiles } });
}

async function fileSource(path: string, host: ExternalHost, bounds: ReadBounds): Promise<ByteSource> {
  const files = localFiles(host, path);
  const size = await files.size(path);
  if (size === undefined) throw new DoSQLError('NOT_FOUND', `external: no file ${path}`, { details: { location: path } });
  countStats({ filesOpened: 1 });
  return budgeted({ name: path, size, read: (s, e) => files.read(path, s, e) }, bounds);
}

async function storeSource(store: ObjectStore, key: string, name: string, bounds: ReadBounds): Promise<ByteSource> {
  const info = await store.head(key).catch((e: unknown) => {
    throw new DoSQLError('IO_ERROR', `external: ${name}: ${(e as Error).message}`, { cause: e, details: { location: name } });
  });
  if (!info) throw new DoSQLError('NOT_FOUND', `external: no object ${name}`, { details: { location: name } });
  countStats({ filesOpened: 1 });
  return budgeted(
    {
      name,
      size: info.size,
      async read(start, end) {
        if (end <= start) return new Uint8Array(0);
        const got = await store.get(key, { range: { offset: start, length: end - start } }).catch((e: unknown) => {
          throw new DoSQLError('IO_ERROR', `external: ${name}: ${(e as Error).message}`, { cause: e, details: { location: name } });
        });
        if (!got || got.data.byteLength !== end - start) throw new DoSQLError('IO_ERROR', `external: ${name} changed while read (bytes ${start}..${end} missing)`, { details: { location: name, offset: start } });
        return got.data;
      },
    },
    bounds,
  );
}

/**
 * fetch under the statement's bounds: the request is aborted after timeoutMs (headers and body
 * both), a Content-Length or a body over maxBytes stops the read. Non-2xx statuses are IO_ERROR.
 */
export async function fetchBounded(url: string, host: ExternalHost, bounds: ReadBounds, extra: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const f = host.fetch ?? globalThis.fetch;
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, bounds.timeoutMs);
  const fail = (e: unknown): never => {
    if (e instanceof DoSQLError) throw e;
    if (timedOut) throw new DoSQLError('LIMIT_EXCEEDED', `external: ${url}: no complete response within timeout_ms ${bounds.timeoutMs}`, { cause: e, details: { location: url, limit: 'timeout_ms', max: bounds.timeoutMs } });
    throw new DoSQLError('IO_ERROR', `external: ${url}: ${(e as Error).message ?? String(e)}`, { cause: e, details: { location: url } });
  };
  try {
    const res = await f(url, { headers: { ...bounds.headers, ...extra }, signal: ctrl.signal, redirect: 'follow' }).catch(fail);
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel().catch(() => undefined);
      throw new DoSQLError('IO_ERROR', `external: ${url}: HTTP ${res.status} ${res.statusText}`, { details: { location: url, status: res.status } });
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > bounds.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooBig(url, `Content-Length ${declared}`, bounds.maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let n = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read().catch(fail);
        if (done) break;
        n += value.byteLength;
        if (n > bounds.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooBig(url, 'the response body', bounds.maxBytes);
        }
        chunks.push(value);
      }
    }
    const body = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    countStats({ bytesRead: n });
    return { status: res.status, headers: res.headers, body };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An HTTP resource as a ByteSource: fetched whole once (bounded), then sliced. Parquet over
 * HTTP reads the footer and the referenced column chunks from that copy; ranged requests
 * would fetch less, but many servers ignore Range, and one bounded GET behaves the same everywhere.
 */
async function httpSource(url: string, host: ExternalHost, bounds: ReadBounds): Promise<ByteSource> {
  const { body } = await fetchBounded(url, host, bounds);
  countStats({ filesOpened: 1 });
  return { name: url, size: body.byteLength, read: (s, e) => Promise.resolve(body.subarray(s, e)) };
}

/** Every byte of a source (text formats). */
export async function readAll(src: ByteSource, bounds: ReadBounds): Promise<Uint8Array> {
  if (src.size > bounds.maxBytes) throw tooBig(src.name, `size ${src.size}`, bounds.maxBytes);
  return src.read(0, src.size);
}
