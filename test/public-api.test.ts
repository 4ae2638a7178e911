// The public API is exactly what src/index.ts exports: these lists change only on purpose.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as cdcApi from '../src/cdc/index.js';
import * as lakeApi from '../src/lake/index.js';
import * as d1Api from '../src/drivers/d1.js';
import * as drizzleApi from '../src/drivers/drizzle.js';
import * as kyselyApi from '../src/drivers/kysely.js';
import * as triggersApi from '../src/triggers/index.js';
import * as virtualApi from '../src/virtual/index.js';
import * as procApi from '../src/proc/index.js';
import * as timetravelApi from '../src/timetravel/index.js';
import * as rpcApi from '../src/rpc/index.js';
import * as shardingApi from '../src/shard/index.js';

/** The values src/index.ts exports (classes, functions). */
const VALUE_EXPORTS = ['createCDC', 'DB', 'restore', 'verifyBackup', 'listBackups', 'listBackupsIn', 'PrefixedObjectStore', 'Database', 'Statement', 'TransactionHandle', 'branch', 'createTimeTravelSession', 'lsn', 'relative', 'repair', 'snapshot', 'timestamp', 'DoSQLError', 'DurableObjectStore', 'R2ObjectStore', 'migrate', 'migrationStatus', 'FaultInjectingStore', 'FsObjectStore', 'InjectedFault', 'KvEntry', 'LsmEngine', 'ManualClock', 'MemoryObjectStore', 'ReadView', 'Transaction', 'WriteBatch'];

/** The types src/index.ts exports (`export type { ... }` and `type X` in an export list). */
const TYPE_EXPORTS = [
  'StorageTiers',
  'DatabaseMetrics',
  'QueryMetricsSnapshot',
  'ExecuteResult',
  'BatchStatement',
  'BackupResult',
  'BackupManifest',
  'BackupTarget',
  'RestoreOptions',
  'OperatorProfile',
  'ProfiledRows',
  'QueryPlanStep',
  'QueryStats',
  'CompactProgress',
  'ImportProgress',
  'ProgressCallback',
  'ProgressEvent',
  'R2ObjectStoreOptions',
  'R2BucketLike',
  'MigrationsOption',
  'MigrationStatus',
  'Migration',
  'DurableObjectStoreOptions',
  'DoSqlStorage',
  'AppendableObject',
  'BindParams',
  'BindValue',
  'BranchRef',
  'CDC',
  'Branches',
  'ByteRange',
  'Clock',
  'CommitInfo',
  'CommitListener',
  'CommitOptions',
  'CommitRecord',
  'CompactionOptions',
  'CompactionStats',
  'DBOptions',
  'DatabaseOptions',
  'Durability',
  'EngineEvent',
  'EngineOptions',
  'EngineStats',
  'ErrorCode',
  'FaultKind',
  'FaultOp',
  'FaultRule',
  'FsObjectStoreOptions',
  'GetOptions',
  'GetResult',
  'JsValue',
  'KeyRange',
  'KeyTuple',
  'KeyValue',
  'KvPair',
  'LevelStats',
  'Limits',
  'LogLevel',
  'LogRecord',
  'LogSink',
  'ManifestReport',
  'MergeConflict',
  'MergeStrategy',
  'ObjectInfo',
  'ObjectStore',
  'PendingWrite',
  'PutCondition',
  'PutOptions',
  'PutResult',
  'QueryOptions',
  'RangeClaim',
  'ReadOptions',
  'RepairOptions',
  'RepairReport',
  'Retention',
  'RunResult',
  'ScanOptions',
  'SnapshotRef',
  'Snapshots',
  'SqlValue',
  'StatementOptions',
  'TimePoint',
  'TimeTravelSession',
  'TransactionOptions',
  'WalOp',
];

/**
 * The Workers entry (`dosql/worker`, and `dosql` under the `workerd` condition): src/worker/exports.ts.
 * Read from its text: importing it here would load its WebAssembly modules, which only a
 * Workers bundle provides (test/worker-entry.test.ts runs it in workerd).
 */
const WORKER_VALUE_EXPORTS = ['DB', 'DoLake', 'DoSQL', 'DoSQLError', 'Database', 'DurableObjectStore', 'MemoryObjectStore', 'R2ObjectStore', 'Statement', 'TransactionHandle', 'branch', 'createTimeTravelSession', 'lsn', 'migrate', 'migrationStatus', 'relative', 'snapshot', 'timestamp'];
const WORKER_TYPE_EXPORTS = ['AppendableObject', 'BindParams', 'BindValue', 'CompactProgress', 'DBOptions', 'DatabaseOptions', 'DoSqlStorage', 'DurableObjectStoreOptions', 'ErrorCode', 'GetOptions', 'GetResult', 'ImportProgress', 'JsValue', 'Limits', 'LogLevel', 'LogRecord', 'LogSink', 'MergeConflict', 'MergeStrategy', 'Migration', 'MigrationStatus', 'MigrationsOption', 'ObjectInfo', 'ObjectStore', 'ProgressCallback', 'ProgressEvent', 'PutOptions', 'PutResult', 'QueryOptions', 'R2BucketLike', 'R2ObjectStoreOptions', 'RunResult', 'SqlValue', 'StatementOptions', 'StorageTiers', 'TimePoint', 'TimeTravelSession'];

/** Names a module exports as values, read from its `export { ... } from` lists. */
function valueExportsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/export\s+\{([^}]*)\}\s*from\s*['"][^'"]+['"]/g)) {
    for (const raw of m[1]!.split(',')) {
      const n = raw.trim();
      if (n !== '' && !n.startsWith('type ')) out.push(n.split(/\s+as\s+/).pop()!.trim());
    }
  }
  return out;
}

/** Names src/index.ts exports as types, read from its text (types leave nothing at run time to list). */
function typeExportsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*['"][^'"]+['"]/g)) {
    for (const raw of m[2]!.split(',')) {
      const n = raw.trim();
      if (n === '') continue;
      const exported = (s: string): string => s.split(/\s+as\s+/).pop()!.trim();
      if (m[1] !== undefined) out.push(exported(n));
      else if (n.startsWith('type ')) out.push(exported(n.slice(5)));
    }
  }
  return out;
}

/** The `dosql/cdc` subpath (src/cdc/index.ts): values, then types. */
const CDC_VALUE_EXPORTS = ['CDCConnectionError', 'CDCError', 'CDCErrorCode', 'CdcSession', 'CDCSubscription', 'createCDC', 'createCDCStream', 'createCDCSubscription', 'createLakehouseStreamer', 'createReplicationSlotManager', 'entryToJSON', 'eventToJSON', 'ReplicationSlotManager', 'subscribeTable', 'WebSocketLakeEndpoint'];
const CDC_TYPE_EXPORTS = ['CDC', 'CDCEvent', 'CDCFilter', 'CDCOptions', 'CDCPosition', 'CdcSessionOptions', 'CDCSource', 'CDCStats', 'CDCStream', 'CDCStreamHandler', 'CDCStreamOptions', 'CDCStreamStatus', 'CdcTransport', 'ChangeEvent', 'ColumnInfo', 'LakehouseCheckpoint', 'LakehouseStreamConfig', 'LakehouseStreamer', 'LakehouseStreamerOptions', 'LakehouseStreamerState', 'LakehouseStreamerStatus', 'LakeSocket', 'LSNInput', 'ReplicationSlot', 'RetryOptions', 'RowDecoder', 'SchemaChangeEvent', 'SubscribeOptions', 'SubscriptionStatus', 'TransactionEvent', 'WALConfig', 'WALEntry', 'WALOp', 'WebSocketLakeOptions'];

describe('dosql/cdc', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'cdc', 'index.ts'), 'utf8');
  it('exports exactly the documented names and types', () => {
    expect(Object.keys(cdcApi).sort()).toEqual([...CDC_VALUE_EXPORTS].sort());
    expect(typeExportsOf(source).sort()).toEqual([...CDC_TYPE_EXPORTS].sort());
  });

  it('is the package subpath export', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./cdc']).toEqual({ types: './dist/cdc/index.d.ts', default: './dist/cdc/index.js' });
  });
});

/** The `dosql/lake` subpath (src/lake/index.ts): values, then types. */
const LAKE_VALUE_EXPORTS = ['LAKE_SOURCE_ID', 'Lake', 'LakeHost', 'openLake', 'serveWarehouseObject'];
const LAKE_TYPE_EXPORTS = ['BackpressureSignal', 'CDCBatch', 'CleanupResult', 'CompactionResult', 'FlushResult', 'LakeCompactionOptions', 'LakeRetentionOptions', 'LakeAck', 'LakeCommitted', 'LakeConnection', 'LakeEndpoint', 'LakeEvent', 'LakeFlushOptions', 'LakeHello', 'LakeHostCounters', 'LakeHostOptions', 'LakeMetrics', 'LakeNack', 'LakeOptions', 'LakeSourceStatus', 'LakeTableConfig', 'LakeTableSnapshot', 'LakeTableStatus', 'LakeWelcome'];

describe('dosql/lake', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'lake', 'index.ts'), 'utf8');
  it('exports exactly the documented names and types', () => {
    expect(Object.keys(lakeApi).sort()).toEqual([...LAKE_VALUE_EXPORTS].sort());
    expect(typeExportsOf(source).sort()).toEqual([...LAKE_TYPE_EXPORTS].sort());
  });

  it('is the package subpath export', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./lake']).toEqual({ types: './dist/lake/index.d.ts', default: './dist/lake/index.js' });
  });
});

/** The driver subpaths (src/drivers): each entry's values and types, and its package export. */
const DRIVER_EXPORTS: Record<string, { mod: object; values: string[]; types: string[] }> = {
  kysely: { mod: kyselyApi, values: ['DosqlDialect'], types: ['DosqlDialectConfig'] },
  drizzle: { mod: drizzleApi, values: ['drizzle', 'migrate'], types: [] },
  d1: { mod: d1Api, values: ['d1', 'D1Database', 'D1PreparedStatement'], types: ['D1Meta', 'D1Result', 'D1ExecResult', 'D1Value'] },
};

describe('dosql/kysely, dosql/drizzle, dosql/d1', () => {
  for (const [name, want] of Object.entries(DRIVER_EXPORTS)) {
    it(`dosql/${name} exports exactly the documented names and is the package subpath export`, () => {
      expect(Object.keys(want.mod).sort()).toEqual([...want.values].sort());
      const source = readFileSync(resolve(__dirname, '..', 'src', 'drivers', `${name}.ts`), 'utf8');
      expect(typeExportsOf(source).sort()).toEqual([...want.types].sort());
      const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      expect(pkg.exports[`./${name}`]).toEqual({ types: `./dist/drivers/${name}.d.ts`, default: `./dist/drivers/${name}.js` });
    });
  }
});

/** The `dosql/triggers` subpath (src/triggers/index.ts): values, then types. */
const TRIGGERS_VALUE_EXPORTS = ['createTriggerExecutor', 'createTriggerRegistry'];
const TRIGGERS_TYPE_EXPORTS = ['BeforeResult', 'TriggerContext', 'TriggerDb', 'TriggerDefinition', 'TriggerEvent', 'TriggerExecutor', 'TriggerRegistry', 'TriggerRow', 'TriggerTiming'];

describe('dosql/triggers', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'triggers', 'index.ts'), 'utf8');
  it('exports exactly the documented names and types', () => {
    expect(Object.keys(triggersApi).sort()).toEqual([...TRIGGERS_VALUE_EXPORTS].sort());
    expect(typeExportsOf(source).sort()).toEqual([...TRIGGERS_TYPE_EXPORTS].sort());
  });

  it('is the package subpath export', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./triggers']).toEqual({ types: './dist/triggers/index.d.ts', default: './dist/triggers/index.js' });
  });
});

/** The `dosql/virtual` subpath (src/virtual/index.ts): values, then types. */
const VIRTUAL_VALUE_EXPORTS = ['createURLVirtualTable', 'createVirtualTableRegistry', 'externalReadStats', 'resetExternalReadStats'];
const VIRTUAL_TYPE_EXPORTS = ['ExternalFormat', 'ExternalHost', 'ExternalReadStats', 'LocalFiles', 'URLVirtualTable', 'URLVirtualTableOptions', 'VirtualTableRegistry'];

describe('dosql/virtual', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'virtual', 'index.ts'), 'utf8');
  it('exports exactly the documented names and types', () => {
    expect(Object.keys(virtualApi).sort()).toEqual([...VIRTUAL_VALUE_EXPORTS].sort());
    expect(typeExportsOf(source).sort()).toEqual([...VIRTUAL_TYPE_EXPORTS].sort());
  });

  it('is the package subpath export', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./virtual']).toEqual({ types: './dist/virtual/index.d.ts', default: './dist/virtual/index.js' });
  });
});
/** The subpaths of issue 21 (seeds 000 and 001): each entry's values and types, and its package export. */
const SUBPATHS: { name: string; api: object; values: string[]; types: string[] }[] = [
  {
    name: 'proc',
    api: procApi,
    values: ['ProcedureBuilder', 'ProcedureDb', 'createProcedureExecutor', 'createProcedureRegistry', 'defineProcedures', 'procedure', 'withRetry', 'withValidation'],
    types: ['ExecutorOptions', 'FieldSpec', 'FieldType', 'Infer', 'ParserLike', 'Procedure', 'ProcedureContext', 'ProcedureExecutor', 'ProcedureFn', 'ProcedureHandler', 'ProcedureRegistry', 'RetryOptions', 'Schema', 'Shape'],
  },
  {
    name: 'timetravel',
    api: timetravelApi,
    values: ['branch', 'compareBranches', 'createTimeTravelSession', 'lsn', 'relative', 'snapshot', 'timestamp'],
    types: ['BranchComparison', 'TimePoint', 'TimeTravelScope', 'TimeTravelSession'],
  },
  {
    name: 'rpc',
    api: rpcApi,
    values: ['DoSQLTarget', 'TransactionTarget', 'createHttpClient', 'createWebSocketClient', 'handleDoSQLRequest', 'isDoSQLRequest', 'withTransaction'],
    types: ['DoSQLTargetOptions', 'RpcClient', 'RpcClientOptions', 'RpcDatabase', 'RpcParams', 'RpcRow', 'RpcRunResult', 'RpcTransaction', 'RpcTransactionHandle', 'RpcValue', 'RpcWebSocketConstructor'],
  },
];

for (const sub of SUBPATHS) {
  describe(`dosql/${sub.name}`, () => {
    const source = readFileSync(resolve(__dirname, '..', 'src', sub.name, 'index.ts'), 'utf8');
    it('exports exactly the documented names and types', () => {
      expect(Object.keys(sub.api).sort()).toEqual([...sub.values].sort());
      expect(typeExportsOf(source).sort()).toEqual([...sub.types].sort());
    });

    it('is the package subpath export', () => {
      const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      expect(pkg.exports[`./${sub.name}`]).toEqual({ types: `./dist/${sub.name}/index.d.ts`, default: `./dist/${sub.name}/index.js` });
    });
  });
}

/** The `dosql/sharding` subpath (src/shard/index.ts): values, then types. */
const SHARDING_VALUE_EXPORTS = ['CdcReplica', 'bestEffortCommitter', 'cdcReplica', 'consistentHashVindex', 'createShardExecutor', 'createShardId', 'createShardRouter', 'createVSchema', 'hashVindex', 'httpShard', 'localShard', 'lookupVindex', 'rangeVindex', 'referenceTable', 'replica', 'shard', 'shardedTable', 'unshardedTable', 'twoPhaseCommitter', 'shardParticipant', 'httpParticipant', 'TwoPhaseCoordinator', 'databaseParticipant'];
const SHARDING_TYPE_EXPORTS = ['CdcReplicaOptions', 'ClusterHealth', 'ConsistentHashVindex', 'CrossShardCommitter', 'ExecutionPlan', 'HashAlgorithm', 'HashVindex', 'HttpShardOptions', 'KeyspaceRange', 'LookupVindex', 'NodeHealth', 'PostProcessingStep', 'PrimaryVindex', 'QueryType', 'RangeVindex', 'ReadOptions', 'ReadPreference', 'ReferenceTableSpec', 'ReplicaConnection', 'ReplicaSpec', 'ShardConnection', 'ShardExecutor', 'ShardExecutorOptions', 'ShardHealth', 'ShardId', 'ShardQueryResult', 'ShardResult', 'ShardRouter', 'ShardSpec', 'ShardStatement', 'ShardWrite', 'ShardedTableSpec', 'SplitShardOptions', 'SplitShardResult', 'ReshardPhase', 'ShardingMetrics', 'TableSpec', 'UnshardedTableSpec', 'VSchema', 'VSchemaSettings', 'ValueRange', 'Vindex', 'TwoPhaseCommitterOptions', 'CoordinatorOptions', 'DistributedTransaction', 'DistributedResult', 'RecoveryReport', 'TwoPhaseParticipant'];

describe('dosql/sharding', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'shard', 'index.ts'), 'utf8');
  it('exports exactly the documented names and types', () => {
    expect(Object.keys(shardingApi).sort()).toEqual([...SHARDING_VALUE_EXPORTS].sort());
    expect(typeExportsOf(source).sort()).toEqual([...SHARDING_TYPE_EXPORTS].sort());
  });

  it('is the package subpath export', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./sharding']).toEqual({ types: './dist/shard/index.d.ts', default: './dist/shard/index.js' });
  });
});

describe('public API', () => {
  const source = readFileSync(resolve(__dirname, '..', 'src', 'index.ts'), 'utf8');

  it('exports exactly the documented names', () => {
    expect(Object.keys(api).sort()).toEqual([...VALUE_EXPORTS].sort());
  });

  it('exports exactly the documented types', () => {
    const types = typeExportsOf(source);
    expect(new Set(types).size, 'a type exported twice').toBe(types.length);
    expect(types.sort()).toEqual([...TYPE_EXPORTS].sort());
  });

  it('is a list of named re-exports (nothing declared or star-exported in src/index.ts)', () => {
    const statements = source
      .replace(/\/\/[^\n]*/g, '')
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    expect(statements.filter((s) => !/^export\s+(type\s+)?\{[^}]*\}\s*from\s*['"][^'"]+['"]$/.test(s))).toEqual([]);
  });

  it('the Workers entry exports exactly the documented names, each also public in src/index.ts or the DoSQL object', () => {
    const worker = readFileSync(resolve(__dirname, '..', 'src', 'worker', 'exports.ts'), 'utf8');
    expect(valueExportsOf(worker).sort()).toEqual([...WORKER_VALUE_EXPORTS].sort());
    expect(typeExportsOf(worker).sort()).toEqual([...WORKER_TYPE_EXPORTS].sort());
    for (const n of WORKER_VALUE_EXPORTS) if (n !== 'DoSQL' && n !== 'DoLake') expect(VALUE_EXPORTS, n).toContain(n);
    for (const n of WORKER_TYPE_EXPORTS) expect(TYPE_EXPORTS, n).toContain(n);
  });

  it('package.json maps dosql/worker and the workerd condition of dosql to the Workers entry', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, Record<string, unknown>> };
    const entry = { types: './dist/worker/exports.d.ts', default: './dist/worker/exports.js' };
    expect(pkg.exports['./worker']).toEqual(entry);
    expect(pkg.exports['.']!.workerd).toEqual(entry);
    // workerd first: a bundler for Workers matches it before the Node entry's types/default.
    expect(Object.keys(pkg.exports['.']!)).toEqual(['workerd', 'types', 'default']);
  });
});
