// date_trunc(unit, time-value): PostgreSQL's and DuckDB's function (seed 004's telemetry query
// writes `date_trunc('day', timestamp)`), a dosql extension SQLite does not have. Built on
// SQLite's own date and time machinery (datetime.ts), so it accepts every time value SQLite's
// datetime() accepts and gives NULL wherever datetime() would. The result is SQLite's datetime
// text, 'YYYY-MM-DD HH:MM:SS', in UTC (dosql's only timezone, see datetime.ts) — where DuckDB
// returns a TIMESTAMP, whose text form is the same. Units, case-insensitive, singular or plural
// as PostgreSQL accepts: microsecond(s)/millisecond(s)/second(s) (whole seconds: SQLite's
// datetime text has none finer), minute, hour, day, week (ISO: Monday), month, quarter, year,
// decade, century, millennium (DuckDB's: a century starts at 1900, 2000, not PostgreSQL's 1901,
// 2001). An unknown unit is an error naming it, as in PostgreSQL and DuckDB.
import { DoSQLError } from '../../errors.js';
import type { SqlValue } from '../types/value.js';
import { datetimeFunction, strftimeFunction, type DateTimeContext } from './datetime.js';

const UNITS: Record<string, (t: SqlValue, ctx: DateTimeContext) => SqlValue> = {
  second: (t, ctx) => datetimeFunction([t], ctx),
  minute: (t, ctx) => strftimeFunction(['%Y-%m-%d %H:%M:00', t], ctx),
  hour: (t, ctx) => strftimeFunction(['%Y-%m-%d %H:00:00', t], ctx),
  day: (t, ctx) => datetimeFunction([t, 'start of day'], ctx),
  // Back six days, then forward to the next Monday (or stay on it): the Monday that starts t's ISO week.
  week: (t, ctx) => datetimeFunction([t, 'start of day', '-6 days', 'weekday 1'], ctx),
  month: (t, ctx) => datetimeFunction([t, 'start of month'], ctx),
  quarter: (t, ctx) => {
    const month = strftimeFunction(['%m', t], ctx);
    if (month === null) return null;
    const back = (Number(month) - 1) % 3;
    return datetimeFunction([t, 'start of month', `-${back} months`], ctx);
  },
  year: (t, ctx) => datetimeFunction([t, 'start of year'], ctx),
  decade: (t, ctx) => yearsDown(t, ctx, 10),
  century: (t, ctx) => yearsDown(t, ctx, 100),
  millennium: (t, ctx) => yearsDown(t, ctx, 1000),
};
UNITS.microsecond = UNITS.second!;
UNITS.millisecond = UNITS.second!;

/** The start of the `span`-year period holding t: a year divisible by `span`, as DuckDB truncates (PostgreSQL starts centuries and millennia at year 1: 1901, 2001). */
function yearsDown(t: SqlValue, ctx: DateTimeContext, span: number): SqlValue {
  const year = strftimeFunction(['%Y', t], ctx);
  if (year === null) return null;
  const y = Number(year);
  const back = ((y % span) + span) % span;
  return datetimeFunction([t, 'start of year', `-${back} years`], ctx);
}

/** date_trunc(unit, time-value) → 'YYYY-MM-DD HH:MM:SS' or NULL; SQL_ERROR naming an unknown unit. */
export function dateTruncFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const [unit, t] = args;
  if (unit === null || unit === undefined || t === null || t === undefined) return null;
  const name = (typeof unit === 'string' ? unit : String(unit)).trim().toLowerCase();
  const fn = UNITS[name] ?? (name.endsWith('s') ? UNITS[name.slice(0, -1)] : undefined);
  if (!fn) throw new DoSQLError('SQL_ERROR', `date_trunc: unit "${name}" not recognized (second, minute, hour, day, week, month, quarter, year, decade, century, millennium)`);
  return fn(t, ctx);
}
