// Progress bars on stderr (cli-progress): drawn only when stderr is a terminal, so pipes,
// logs and tests see just the final summary line each command prints.
import { SingleBar } from 'cli-progress';
import type { Writable } from 'node:stream';
import { isTTY } from './io.js';

export interface Progress {
  /** Sets the position (in the bar's unit) and the figures shown beside it. */
  update(value: number, payload?: Record<string, string | number>): void;
  /** Raises the total (when it was only an estimate). */
  setTotal(total: number): void;
  /** Removes the bar (the command prints its own summary). */
  stop(): void;
}

const NONE: Progress = { update() {}, setTotal() {}, stop() {} };

/**
 * A bar counting to `total` (rows, bytes or tables: the caller's unit). `format` uses
 * cli-progress placeholders ({bar}, {percentage}, {eta_formatted}, {duration_formatted})
 * and the payload's names. `enabled: false` (e.g. --quiet) or a stderr that is not a
 * terminal gives a bar that draws nothing.
 */
export function progressBar(stderr: Writable, options: { total: number; format: string; enabled: boolean; payload?: Record<string, string | number> }): Progress {
  if (!options.enabled || !isTTY(stderr)) return NONE;
  const bar = new SingleBar({
    stream: stderr,
    format: options.format,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 5,
    barsize: 30,
  });
  bar.start(Math.max(1, options.total), 0, options.payload ?? {});
  return {
    update(value, payload) {
      bar.update(value, payload ?? {});
    },
    setTotal(total) {
      bar.setTotal(Math.max(1, total));
    },
    stop() {
      bar.stop();
    },
  };
}

/** `1234567` -> `1,234,567`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes in B, KiB, MiB or GiB, one decimal. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Seconds with one decimal (`12.3 s`), or ms under a second. */
export function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
