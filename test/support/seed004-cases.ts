// The five use cases of seed 004, by number: each use case's object's methods (seed004/*.ts).
import { analytics } from './seed004/analytics.js';
import { collab } from './seed004/collab.js';
import type { Method } from './seed004/db.js';
import { inventory } from './seed004/inventory.js';
import { saas } from './seed004/saas.js';
import { telemetry } from './seed004/telemetry.js';

export type { Method, Params, Row, SeedDb } from './seed004/db.js';

/** Use case number (1..5) → its object's methods. */
export const USE_CASES: Record<number, Record<string, Method>> = {
  1: saas as unknown as Record<string, Method>,
  2: collab as unknown as Record<string, Method>,
  3: analytics as unknown as Record<string, Method>,
  4: inventory as unknown as Record<string, Method>,
  5: telemetry as unknown as Record<string, Method>,
};
