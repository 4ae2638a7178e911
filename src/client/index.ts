// dosql/client: a typed client for a dosql Worker, with the query/run/exec/transaction
// surface of the embedded DB(). Only named re-exports.
export { createHttpClient, type HttpClientOptions } from './http-client.js';
export { createWebSocketClient, type WebSocketClientOptions, type WebSocketConstructor, type WebSocketLike } from './ws-client.js';
export { subscribeCDC, type SubscribeCDCOptions, type CDCClientSubscription, type CDCWireEvent } from './cdc-client.js';
export type { ClientBatchStatement, ClientExecuteResult, ClientOptions, ClientParams, ClientQueryOptions, ClientRunResult, ClientTransaction, ClientValue, DoSQLClient } from './types.js';
export type { WireAsOf, WireJsValue } from './wire.js';
export { DoSQLError, type ErrorCode } from '../errors.js';
