import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import {
  createGenesysClient,
  type GenesysClient,
  type GenesysClientTuning,
} from '../../src/genesys/genesys-client';
import type { GenesysObserver } from '../../src/genesys/observer';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

/**
 * A scripted Genesys stand-in on a loopback port for client tests: every request is recorded, `/oauth/token`
 * issues `tok-1`, `tok-2`… and every other request goes to the test's handler, which answers with a status +
 * body, resets the connection, or never answers.
 */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type Reply =
  { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | 'reset' | 'hang';

export type Handler = (req: Recorded, n: number) => Reply;

export interface ScriptedServer {
  url: string;
  requests: Recorded[];
  /** API requests (everything but the token endpoint), optionally of one method and path. */
  apiCalls(method?: string, path?: string): Recorded[];
  tokenCalls(): Recorded[];
  setHandler(handler: Handler): void;
  /** Answers of the token endpoint (default: a fresh token valid 86 400 s). */
  setTokenHandler(handler: (n: number) => Reply): void;
  /** Resolves when `count` API requests have arrived. */
  waitForApiCalls(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedServer(
  handler: Handler = () => ({ status: 200, body: {} }),
): Promise<ScriptedServer> {
  const requests: Recorded[] = [];
  let current = handler;
  let tokenCount = 0;
  let apiCount = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let tokenHandler = (n: number): Reply => ({
    status: 200,
    body: { access_token: `tok-${n}`, token_type: 'bearer', expires_in: 86_400 },
  });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      if ((req.headers['content-type'] ?? '').includes('json') && text.length > 0) {
        body = JSON.parse(text);
      }
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      let reply: Reply;
      if (url.pathname === '/oauth/token') {
        tokenCount += 1;
        reply = tokenHandler(tokenCount);
      } else {
        apiCount += 1;
        reply = current(recorded, apiCount);
        for (const w of waiters.filter((x) => apiCount >= x.count)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply === 'hang') {
        return;
      }
      const send = (): void => {
        const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          'content-type': 'application/json',
          'inin-correlation-id': `corr-${requests.length}`,
          ...reply.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : payload);
      };
      if (reply.delayMs !== undefined) {
        setTimeout(send, reply.delayMs);
      } else {
        send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    apiCalls: (method, path) =>
      requests.filter(
        (r) =>
          r.path !== '/oauth/token' &&
          (method === undefined || r.method === method) &&
          (path === undefined || r.path === path),
      ),
    tokenCalls: () => requests.filter((r) => r.path === '/oauth/token'),
    setHandler: (h) => {
      current = h;
    },
    setTokenHandler: (h) => {
      tokenHandler = h;
    },
    waitForApiCalls: (count) =>
      apiCount >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Settings for a client pointed at `baseUrl`; small timeouts so fault tests stay fast. */
export function clientEnv(
  baseUrl: string,
  prefix: string,
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    QUEUE_PREFIX: prefix,
    GENESYS_API_BASE_URL: baseUrl,
    GENESYS_LOGIN_BASE_URL: baseUrl,
    GENESYS_CLIENT_ID: 'test-client',
    GENESYS_CLIENT_SECRET: 'test-secret-value',
    GENESYS_TIMEOUT_MS: '1000',
    GENESYS_RETRIES: '2',
    GENESYS_MAX_RETRY_AFTER_MS: '1000',
    GENESYS_CALL_BUDGET_MS: '10000',
    GENESYS_RATE_BUDGET_PER_MINUTE: '10000',
    GENESYS_RATE_BUDGET_MAX_WAIT_MS: '1000',
    BREAKER_VOLUME_THRESHOLD: '1000',
    BREAKER_RESET_MS: '200',
    ...overrides,
  };
}

/** Client test context: a Redis connection, a fresh key prefix, clients to build and everything cleaned up. */
export class ClientHarness {
  readonly redis: Redis = testRedis();
  readonly prefix = uniquePrefix('genesys');
  private readonly clients: GenesysClient[] = [];

  client(
    baseUrl: string,
    overrides: Record<string, string> = {},
    extra: { observer?: GenesysObserver; tuning?: GenesysClientTuning; logger?: pino.Logger } = {},
  ): GenesysClient {
    const client = createGenesysClient({
      config: loadConfig(clientEnv(baseUrl, this.prefix, overrides)),
      redis: this.redis,
      logger: extra.logger ?? pino({ level: 'silent' }),
      ...(extra.observer === undefined ? {} : { observer: extra.observer }),
      tuning: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, tokenPollMs: 5, ...extra.tuning },
    });
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.stop()));
    await deleteKeys(this.redis, this.prefix);
    await this.redis.quit();
  }
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

/** A UserPresence body as Genesys returns it. */
export function presenceBody(
  definitionId: string,
  systemPresence = 'On Queue',
  extra: Record<string, unknown> = {},
) {
  return {
    id: 'src',
    source: 'PURECLOUD',
    primary: true,
    presenceDefinition: { id: definitionId, systemPresence },
    message: '',
    modifiedDate: '2025-03-10T12:00:00.000Z',
    ...extra,
  };
}

export function errorBody(status: number, code: string, message = 'error') {
  return { message, code, status, contextId: 'ctx', details: [], errors: [] };
}
