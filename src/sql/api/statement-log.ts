// What a handle logs about its statements (DB() options `log` and `slowQueryMs`; docs/operations.md):
// `slow-statement` at warn when one took at least `slowQueryMs`, and `statement-error` at warn
// for every error a statement surfaces to the caller. The statement's text is logged (cut to
// SQL_CHARS), never its bound parameters, which may hold user data.
import { errorFields, SILENT, type Logger } from '../../util/log.js';
import type { Prepared } from './statement-runner.js';

/** Characters of a statement's text a record carries. */
const SQL_CHARS = 200;

export class StatementLog {
  constructor(
    private readonly log: Logger = SILENT,
    /** 0: slow statements are not logged. */
    private readonly slowQueryMs = 0,
  ) {}

  /** True when `observe` records anything (a warn-level logger): otherwise callers may run the statement directly. */
  get active(): boolean {
    return this.log.enabled('warn');
  }

  /** Observes `run` (one statement): logs it if slow or failed; returns or throws what it does. */
  observe<T extends { rows: readonly unknown[] }>(p: Prepared, run: () => T | Promise<T>): T | Promise<T>;
  observe<T extends { rows: readonly unknown[] }>(p: Prepared, run: () => T | Promise<T> | undefined): T | Promise<T> | undefined;
  observe<T extends { rows: readonly unknown[] }>(p: Prepared, run: () => T | Promise<T> | undefined): T | Promise<T> | undefined {
    if (!this.log.enabled('warn')) return run();
    const t0 = Date.now();
    let r: T | Promise<T> | undefined;
    try {
      r = run();
    } catch (e) {
      this.failed(p, e, t0);
      throw e;
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => (this.done(p, v, t0), v),
        (e: unknown) => {
          this.failed(p, e, t0);
          throw e;
        },
      );
    }
    if (r !== undefined) this.done(p, r, t0);
    return r;
  }

  private done(p: Prepared, r: { rows: readonly unknown[] }, t0: number): void {
    const ms = Date.now() - t0;
    if (this.slowQueryMs > 0 && ms >= this.slowQueryMs) this.log.warn('slow-statement', { ms, thresholdMs: this.slowQueryMs, kind: p.parsed.statement.kind, rows: r.rows.length, sql: p.sql.slice(0, SQL_CHARS) });
  }

  private failed(p: Prepared, e: unknown, t0: number): void {
    this.log.warn('statement-error', { ...errorFields(e), ms: Date.now() - t0, kind: p.parsed.statement.kind, sql: p.sql.slice(0, SQL_CHARS) });
  }
}
