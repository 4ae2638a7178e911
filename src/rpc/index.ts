// dosql/rpc: CapnWeb RPC (seed 001 "CapnWeb RPC Integration"; docs/rpc.md). The client
// (WebSocket with pipelining and reconnect, HTTP batches) and the server target a Durable
// Object serves (the project's DoSQL at /db/<name>/rpc, or your own with handleDoSQLRequest).
export { createHttpClient, createWebSocketClient, withTransaction, type RpcClient, type RpcClientOptions, type RpcTransaction, type RpcWebSocketConstructor } from './client.js';
export { DoSQLTarget, TransactionTarget, handleDoSQLRequest, isDoSQLRequest, type DoSQLTargetOptions, type RpcDatabase, type RpcParams, type RpcRow, type RpcRunResult, type RpcTransactionHandle, type RpcValue } from './server.js';
