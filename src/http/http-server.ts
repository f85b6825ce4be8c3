import type { FastifyInstance } from 'fastify';
import type { Component } from '../lifecycle';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Component name in logs (default `http`). */
  name?: string;
}

/**
 * The HTTP app as a lifecycle component: `start()` listens, `stop()` stops accepting connections and waits
 * for in-flight requests (new ones get 503 while closing), so it is stopped first on shutdown.
 */
export class HttpServer implements Component {
  readonly name: string;

  constructor(
    readonly app: FastifyInstance,
    private readonly options: HttpServerOptions,
  ) {
    this.name = options.name ?? 'http';
  }

  async start(): Promise<void> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
  }

  /** `http://host:port` once started (the real port when 0 was asked). */
  get url(): string {
    const address = this.app.server.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the HTTP server is not listening');
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
