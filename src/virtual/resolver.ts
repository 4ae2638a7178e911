// Registers the external-table resolver with SQL (sql/planner/external-tables.ts): string
// locations go to external-table.ts, calls of registered URL tables to registry.ts.
import type { TableFunction } from '../sql/functions/table-functions.js';
import type { TableFunctionRef } from '../sql/parser/ast.js';
import { registerExternalResolver } from '../sql/planner/external-tables.js';
import { resolveLocation } from './external-table.js';
import { claimsName, resolveRegistered } from './registry.js';

registerExternalResolver({
  claims: claimsName,
  async resolve(requests, host) {
    const out = new Map<TableFunctionRef, TableFunction>();
    for (const r of requests) out.set(r.ref, r.ref.external ? await resolveLocation(r, host) : await resolveRegistered(r, host));
    return out;
  },
});
