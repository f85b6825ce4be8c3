import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * How a cut proxy treats connections:
 * - `reset`: open connections are destroyed and new ones are closed at once (a server that went away);
 * - `blackhole`: open connections are destroyed, new ones are accepted and never answered (a dead route: the
 *   client only learns from its own timeouts).
 */
export type CutMode = 'reset' | 'blackhole';

/**
 * A loopback TCP proxy in front of a real server (the shared PostgreSQL, a test's Redis) that a test can cut and
 * restore, so a dependency becomes unreachable for the service without stopping the server itself.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cutMode: CutMode | undefined;
  /** Connections accepted since start (both states). */
  accepted = 0;

  private readonly server: Server;
  private listeningPort = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    const address = proxy.server.address();
    proxy.listeningPort = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  /** The loopback port clients connect to instead of the target's. */
  get port(): number {
    return this.listeningPort;
  }

  get isCut(): boolean {
    return this.cutMode !== undefined;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    this.track(client);
    if (this.cutMode === 'reset') {
      client.destroy();
      return;
    }
    if (this.cutMode === 'blackhole') {
      client.pause();
      return;
    }
    const upstream = createConnection({ host: this.target.host, port: this.target.port });
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  /** Makes the target unreachable: every open connection is torn down, new ones as `mode` says. */
  cut(mode: CutMode = 'reset'): void {
    this.cutMode = mode;
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  /** Back to forwarding (connections held by a blackhole are dropped so clients reconnect). */
  restore(): void {
    this.cutMode = undefined;
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
