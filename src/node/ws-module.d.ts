// The part of the `ws` package (8.x, RFC 6455 client and server for Node) that `dosql lake
// serve` and `dosql lake sync --lake` use. Node 20 has no WebSocket server and its client is
// behind --experimental-websocket.
declare module 'ws' {
  import type { IncomingMessage } from 'node:http';
  import type { Duplex } from 'node:stream';

  export class WebSocket {
    constructor(url: string, protocols?: string | string[]);
    readonly readyState: number;
    readonly protocol: string;
    binaryType: string;
    send(data: string, cb?: (err?: Error) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (e: Error) => void): this;
    addEventListener(type: string, listener: (e: { data?: unknown }) => void): void;
  }

  export class WebSocketServer {
    constructor(o: { noServer: true; maxPayload?: number; handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false });
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WebSocket, req: IncomingMessage) => void): void;
    readonly clients: Set<WebSocket>;
    close(cb?: () => void): void;
  }
}
