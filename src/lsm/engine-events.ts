// Flush and compaction events (EngineEvent) leaving the engine: the structured log, the user's
// `onEvent`, then internal listeners (derived per-layer indexes, src/vector). An observer's
// failure never breaks the background work that emitted the event.
import type { EngineEvent } from './engine-types.js';
import { logEngineEvent } from './engine-log.js';
import type { Logger } from '../util/log.js';

export class EngineEvents {
  private readonly listeners: ((e: EngineEvent) => void)[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly onEvent: ((e: EngineEvent) => void) | undefined,
  ) {}

  emit(e: EngineEvent): void {
    try {
      logEngineEvent(this.logger, e);
      this.onEvent?.(e);
    } catch {
      // An observer's failure must not break background work.
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // as above
      }
    }
  }

  /** Adds an internal listener; returns the function that removes it. */
  listen(listener: (e: EngineEvent) => void): () => void {
    return addListener(this.listeners, listener);
  }
}

/** Appends `listener` to `list`; returns the function that removes it (once). */
export function addListener<T>(list: T[], listener: T): () => void {
  list.push(listener);
  return () => {
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  };
}
