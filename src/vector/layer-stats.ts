// Introspection of the per-layer vector indexes of an engine (tests, diagnostics).
import type { LsmEngine } from '../lsm/engine.js';
import { existingRegistry, type LayerIndexInfo, type LayerIndexStats } from './layer-registry.js';

/** The layer indexes built and live on `engine`, by layer file number. */
export function layerIndexes(engine: LsmEngine): LayerIndexInfo[] {
  return existingRegistry(engine)?.list() ?? [];
}

/** Builds and drops since the engine opened (zeros before any vector search). */
export function layerIndexStats(engine: LsmEngine): LayerIndexStats {
  const s = existingRegistry(engine)?.stats;
  return s ? { ...s, corrupt: [...s.corrupt] } : { built: 0, loaded: 0, saved: 0, dropped: 0, corrupt: [] };
}

/** Resolves once the index builds that flushes and compactions started are done. */
export function layerIndexesIdle(engine: LsmEngine): Promise<void> {
  return existingRegistry(engine)?.idle() ?? Promise.resolve();
}
