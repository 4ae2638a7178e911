// dosql/triggers: programmatic row triggers (src/sql/triggers/registry.ts; docs/sql.md "Programmatic triggers").
export { createTriggerExecutor, createTriggerRegistry } from '../sql/triggers/registry.js';
export type { BeforeResult, TriggerContext, TriggerDb, TriggerDefinition, TriggerEvent, TriggerExecutor, TriggerRegistry, TriggerRow, TriggerTiming } from '../sql/triggers/registry.js';
