// dosql/timetravel (seeds 000, 001, 003; docs/time-travel.md): time points, consistent
// read sessions at a point, and branch comparison.
export { createTimeTravelSession, type TimeTravelScope, type TimeTravelSession } from '../sql/api/time-travel-session.js';
export { branch, lsn, relative, snapshot, timestamp, type TimePoint } from '../sql/api/time-points.js';
export { compareBranches, type BranchComparison } from './compare.js';
