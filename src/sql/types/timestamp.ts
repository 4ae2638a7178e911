// Timestamps as text: what `FOR SYSTEM_TIME AS OF TIMESTAMP '...'` and the time-travel API's
// timestamp() accept, and what history rows show as their commit time. Used by the planner
// and the API alike, so it sits below both.

/**
 * ms since the epoch of a Date, a number, or text: ISO-8601 or SQLite's 'YYYY-MM-DD
 * HH:MM:SS[.SSS]' (read as UTC, as SQLite's date functions do).
 */
export function parseTimestamp(t: string | Date | number): number | undefined {
  if (t instanceof Date) return Number.isNaN(t.getTime()) ? undefined : t.getTime();
  if (typeof t === 'number') return Number.isFinite(t) ? t : undefined;
  const s = t.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0'));
  if (Number.isNaN(ms)) return undefined;
  const tz = m[8];
  if (!tz || tz === 'Z') return ms;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  return ms - sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60_000;
}

/** SQLite's datetime text for ms since the epoch: 'YYYY-MM-DD HH:MM:SS.SSS' (UTC). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
