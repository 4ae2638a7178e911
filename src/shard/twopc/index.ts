// Cross-shard transactions: two-phase commit over dosql's PREPARE TRANSACTION (docs/sharding-2pc.md).
export { TwoPhaseCoordinator, type CoordinatorOptions, type DistributedTransaction, type DistributedResult, type RecoveryReport } from './coordinator.js';
export { CoordinatorLog, encodeLogRecord, decodeLogRecord, type LogRecord, type LogState, type StoredRecord } from './coordinator-log.js';
export { databaseParticipant, errorCode, errorDetails, gidLiteral, rowsOf, type QueryHandle, type TwoPhaseParticipant } from './participant.js';
