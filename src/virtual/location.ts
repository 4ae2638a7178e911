// Where an external table's bytes are (docs/external-tables.md): a local path or `file:` URL
// (Node only), an `http(s):` URL, or `r2://bucket/key` (an ObjectStore: the database's cold
// bucket on Workers, any store in Node). Globs (`*`, `?`, `**`) are allowed in local and r2
// paths; an HTTP URL names one file.
import { DoSQLError } from '../errors.js';

export type ExternalFormat = 'parquet' | 'csv' | 'tsv' | 'json' | 'ndjson';
export const EXTERNAL_FORMATS: readonly ExternalFormat[] = ['parquet', 'csv', 'tsv', 'json', 'ndjson'];

export type Location =
  | { readonly kind: 'file'; readonly path: string; readonly glob: boolean }
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'r2'; readonly bucket: string; readonly key: string; readonly glob: boolean };

const GLOB_CHARS = /[*?[]/;

/** Parses a location string; INVALID_ARGUMENT for schemes dosql does not read. */
export function parseLocation(s: string): Location {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (scheme === undefined || (scheme.length === 1 && /^[a-z]:[\\/]/i.test(s))) return { kind: 'file', path: s, glob: GLOB_CHARS.test(s) };
  if (scheme === 'http' || scheme === 'https') {
    if (GLOB_CHARS.test(new URL(s).pathname)) throw new DoSQLError('INVALID_ARGUMENT', `external: ${s}: an HTTP location names one file (HTTP cannot list a folder; globs work for local paths and r2://)`, { details: { location: s } });
    return { kind: 'http', url: s };
  }
  if (scheme === 'file') {
    // file:///abs/path, file:/abs/path, file:relative/path
    let path = s.slice('file:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    try {
      path = decodeURIComponent(path);
    } catch {
      throw new DoSQLError('INVALID_ARGUMENT', `external: ${s}: malformed file URL`, { details: { location: s } });
    }
    return { kind: 'file', path, glob: GLOB_CHARS.test(path) };
  }
  if (scheme === 'r2' || scheme === 's3') {
    const rest = s.slice(scheme.length + 3);
    const slash = rest.indexOf('/');
    if (!s.slice(scheme.length).startsWith('://') || slash <= 0) throw new DoSQLError('INVALID_ARGUMENT', `external: ${s}: expected ${scheme}://bucket/key`, { details: { location: s } });
    const key = rest.slice(slash + 1);
    return { kind: 'r2', bucket: rest.slice(0, slash), key, glob: GLOB_CHARS.test(key) };
  }
  throw new DoSQLError('INVALID_ARGUMENT', `external: ${s}: unsupported scheme ${scheme}: (dosql reads local paths, file:, http:, https: and r2://)`, { details: { location: s } });
}

/** The format an explicit `format` option or the file name's extension names (a URL's query and fragment ignored). */
export function formatOf(location: string, option: string | undefined): ExternalFormat {
  if (option !== undefined) {
    const f = option.toLowerCase() === 'jsonl' ? 'ndjson' : option.toLowerCase();
    if (!(EXTERNAL_FORMATS as readonly string[]).includes(f)) throw new DoSQLError('INVALID_ARGUMENT', `external: ${location}: unknown format '${option}' (one of ${EXTERNAL_FORMATS.join(', ')})`, { details: { location } });
    return f as ExternalFormat;
  }
  const path = location.replace(/[?#].*$/, '');
  const m = /\.(parquet|parq|csv|tsv|json|ndjson|jsonl)$/i.exec(path);
  if (!m) throw new DoSQLError('INVALID_ARGUMENT', `external: ${location}: cannot tell the format from the name; add WITH (format = 'parquet' | 'csv' | 'tsv' | 'json' | 'ndjson')`, { details: { location } });
  const ext = m[1]!.toLowerCase();
  return ext === 'parq' ? 'parquet' : ext === 'jsonl' ? 'ndjson' : (ext as ExternalFormat);
}
