// A CapnWeb transport over an open WebSocket of any WHATWG implementation. CapnWeb's own
// WebSocketTransport reads the global `WebSocket` (for its CONNECTING constant), which Node 20
// does not define; the client opens the socket first and hands it here.
import type { RpcTransport } from 'capnweb';

export class SocketTransport implements RpcTransport {
  private readonly queue: string[] = [];
  private waiting: { resolve(m: string): void; reject(e: unknown): void } | undefined;
  private error: unknown;

  constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (ev) => {
      if (this.error !== undefined) return;
      const data: unknown = ev.data;
      if (typeof data !== 'string') return this.fail(new Error('rpc: unexpected binary message'));
      if (this.waiting) {
        this.waiting.resolve(data);
        this.waiting = undefined;
      } else this.queue.push(data);
    });
    socket.addEventListener('close', (ev) => this.fail(new Error(`rpc: the server closed the WebSocket (${ev.code} ${ev.reason})`.trim())));
    socket.addEventListener('error', () => this.fail(new Error('rpc: the WebSocket failed')));
  }

  send(message: string): void {
    this.socket.send(message);
  }

  receive(): Promise<string> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.error !== undefined) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  abort(reason: unknown): void {
    this.fail(reason);
    try {
      this.socket.close(3000, (reason instanceof Error ? reason.message : String(reason)).slice(0, 100));
    } catch {
      // Already closed.
    }
  }

  private fail(e: unknown): void {
    if (this.error !== undefined) return;
    this.error = e;
    this.waiting?.reject(e);
    this.waiting = undefined;
  }
}
