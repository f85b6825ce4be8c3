import type { FastifyInstance } from 'fastify';
import type { Component } from '../lifecycle';

export interface HttpServerOptions {
  host: string;
  port: number;
}

/**
 * The HTTP app as a lifecycle component: `start()` listens, `stop()` stops accepting connections and waits
 * for in-flight requests (new ones get 503 while closing), so it is stopped first on shutdown.
 */
export class HttpServer implements Component {
  readonly name = 'http';
  private listening = false;

  constructor(
    readonly app: FastifyInstance,
    private readonly options: HttpServerOptions,
  ) {}

  async start(): Promise<void> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    this.listening = true;
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
    if (this.listening) {
      this.listening = false;
    }
    await this.app.close();
  }
}
