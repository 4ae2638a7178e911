// The public API of `dosql/cdc` (docs/cdc.md): change data capture read from the WAL. Only
// named re-exports; test/public-api.test.ts pins this list.
export { createCDC, createCDCSubscription, createReplicationSlotManager, subscribeTable, type CDC, type CDCSource } from './cdc.js';
export { CDCSubscription } from './subscription.js';
export { createCDCStream, type CDCStream, type CDCStreamHandler, type CDCStreamOptions, type CDCStreamStatus } from './stream.js';
export { ReplicationSlotManager } from './slots.js';
export { CDCError, CDCErrorCode, CDCConnectionError } from './errors.js';
export { eventToJSON, entryToJSON } from './wire.js';
export { createLakehouseStreamer, type LakehouseCheckpoint, type LakehouseStreamConfig, type LakehouseStreamer, type LakehouseStreamerOptions, type LakehouseStreamerState, type LakehouseStreamerStatus } from './lakehouse-streamer.js';
export { WebSocketLakeEndpoint, type LakeSocket, type WebSocketLakeOptions } from './lake-transport-ws.js';
export type { RetryOptions } from './retry.js';
export { CdcSession, type CdcSessionOptions, type CdcTransport } from './session.js';
export type {
  CDCEvent,
  CDCFilter,
  CDCOptions,
  CDCPosition,
  CDCStats,
  ChangeEvent,
  ColumnInfo,
  LSNInput,
  ReplicationSlot,
  RowDecoder,
  SchemaChangeEvent,
  SubscribeOptions,
  SubscriptionStatus,
  TransactionEvent,
  WALConfig,
  WALEntry,
  WALOp,
} from './types.js';
