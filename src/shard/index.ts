// The public API of `dosql/sharding` (docs/sharding.md): VSchema, vindexes, the router, the
// executor and shard connections. Only named re-exports; test/public-api.test.ts pins this list.
export {
  createVSchema,
  createShardId,
  shardedTable,
  referenceTable,
  unshardedTable,
  hashVindex,
  consistentHashVindex,
  rangeVindex,
  lookupVindex,
  shard,
  replica,
  type VSchema,
  type VSchemaSettings,
  type ShardId,
  type ShardSpec,
  type ReplicaSpec,
  type TableSpec,
  type ShardedTableSpec,
  type ReferenceTableSpec,
  type UnshardedTableSpec,
  type Vindex,
  type PrimaryVindex,
  type HashVindex,
  type ConsistentHashVindex,
  type RangeVindex,
  type LookupVindex,
  type KeyspaceRange,
  type ValueRange,
} from './vschema.js';
export type { HashAlgorithm } from './hash.js';
export { createShardRouter, type ShardRouter, type ExecutionPlan, type PostProcessingStep, type QueryType } from './router.js';
export { createShardExecutor, type ShardExecutor, type ShardExecutorOptions, type ShardQueryResult } from './executor.js';
export { localShard, type ShardConnection, type ShardResult, type ShardStatement } from './connection.js';
export { httpShard, type HttpShardOptions } from './http-connection.js';
export { httpParticipant } from './http-participant.js';
export { bestEffortCommitter, type CrossShardCommitter, type ShardWrite } from './committer.js';
export type { ReadPreference, ReadOptions, ReplicaConnection } from './replica.js';
export type { ClusterHealth, ShardHealth, NodeHealth } from './health.js';
export type { ShardingMetrics } from './metrics.js';
export type { SplitShardOptions, SplitShardResult, ReshardPhase } from './reshard.js';
export { cdcReplica, CdcReplica, type CdcReplicaOptions } from './replica-feed.js';
export { twoPhaseCommitter, shardParticipant, type TwoPhaseCommitterOptions } from './twopc-committer.js';
export {
  TwoPhaseCoordinator,
  databaseParticipant,
  type CoordinatorOptions,
  type DistributedTransaction,
  type DistributedResult,
  type RecoveryReport,
  type TwoPhaseParticipant,
} from './twopc/index.js';
