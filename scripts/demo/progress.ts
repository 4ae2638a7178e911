// A progress bar for the demo's long steps (cli-progress), or nothing at all when the run is
// quiet (tests) or stdout is not a terminal.
import cliProgress from 'cli-progress';

/** What a step reports progress through. */
export interface Progress {
  /** Sets the count done so far (same unit as the total), with an optional short status text. */
  update(done: number, status?: string): void;
  /** Removes the bar from the screen. */
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/** A bar labelled `label` counting to `total` (`unit` names what is counted, e.g. 'rows'); silent when `enabled` is false. */
export function progress(label: string, total: number, unit: string, enabled: boolean): Progress {
  if (!enabled || !process.stdout.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(14)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | {status}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  bar.start(total, 0, { rate: 0, status: '' });
  return {
    update(done, status = '') {
      const s = (performance.now() - t0) / 1000;
      bar.update(done, { rate: s > 0 ? Math.round(done / s).toLocaleString('en-US') : 0, status });
    },
    stop() {
      bar.stop();
    },
  };
}
