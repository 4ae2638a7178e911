// Glob patterns over `/`-separated paths (as DuckDB's read_parquet globs): `*` and `?` match
// within one path segment, `**` any number of segments, `[abc]` one character of a set. And
// Hive-style partition folders: `key=value/` segments whose keys become columns.

/** The longest leading part of `pattern` without glob characters, cut at a `/` (the folder to list). */
export function globBase(pattern: string): string {
  const first = pattern.search(/[*?[]/);
  if (first < 0) return pattern;
  const slash = pattern.lastIndexOf('/', first);
  return slash < 0 ? '' : pattern.slice(0, slash + 1);
}

/** A RegExp matching whole paths against `pattern`. */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more whole segments; a trailing `**` anything.
        if (pattern[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`${re}$`);
}

/** DuckDB's and Hive's name for a NULL partition value. */
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * `key=value` folder segments of `path` (all of them, also in the fixed part of a glob, as
 * DuckDB's hive_partitioning reads `year=2024/*.parquet`): values URL-decoded, the Hive NULL as null.
 */
export function hivePartitions(path: string): [string, string | null][] {
  const segments = path.split('/').slice(0, -1);
  const out: [string, string | null][] = [];
  for (const s of segments) {
    const eq = s.indexOf('=');
    if (eq <= 0) continue;
    let value: string;
    try {
      value = decodeURIComponent(s.slice(eq + 1));
    } catch {
      value = s.slice(eq + 1);
    }
    out.push([s.slice(0, eq), value === HIVE_NULL ? null : value]);
  }
  return out;
}
