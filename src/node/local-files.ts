// Local files for external tables (docs/external-tables.md): the Node entry lends these to
// every database it opens (DatabaseOptions.external.files); code below the edges never imports
// node:fs, so on Workers `FROM 'data.parquet'` is refused with a clear error instead.
import { open, readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { DoSQLError } from '../errors.js';
import type { LocalFiles } from '../virtual/index.js';

/** Paths use `/` (as glob patterns do) on every platform. */
const slashes = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

export const nodeLocalFiles: LocalFiles = {
  resolve: (path) => slashes(resolve(path)),
  async size(path) {
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  },
  async read(path, start, end) {
    const fh = await open(path, 'r').catch((e: unknown) => {
      throw new DoSQLError('IO_ERROR', `external: cannot open ${path}: ${(e as Error).message}`, { cause: e, details: { location: path } });
    });
    try {
      const out = new Uint8Array(end - start);
      let at = 0;
      while (at < out.byteLength) {
        const { bytesRead } = await fh.read(out, at, out.byteLength - at, start + at);
        if (bytesRead === 0) throw new DoSQLError('IO_ERROR', `external: ${path} ended before byte ${end} (changed while read)`, { details: { location: path, offset: start + at } });
        at += bytesRead;
      }
      return out;
    } finally {
      await fh.close();
    }
  },
  async list(dir) {
    let entries: string[];
    try {
      entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => slashes(resolve(e.parentPath ?? dir, e.name)));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return [];
      throw new DoSQLError('IO_ERROR', `external: cannot list ${dir}: ${(e as Error).message}`, { cause: e, details: { location: dir } });
    }
    return entries;
  },
};
