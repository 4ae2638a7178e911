// dosql/virtual: external tables and seed 000's URL-backed virtual tables
// (docs/external-tables.md). Loading this module registers the external-table reader with
// SQL, so `SELECT … FROM 'path-or-url'` works in every database of the process; both DB()
// entries load it. Only named re-exports below.
import './resolver.js';

export { createVirtualTableRegistry, createURLVirtualTable, type VirtualTableRegistry, type URLVirtualTable, type URLVirtualTableOptions } from './registry.js';
export { externalReadStats, resetExternalReadStats, type ExternalReadStats } from './read-stats.js';
export type { ExternalFormat } from './location.js';
export type { ExternalHost, LocalFiles } from '../sql/planner/external-tables.js';
