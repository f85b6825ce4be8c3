import type { EmulatorAdmin } from '../../src/emulator/emulator-admin';
import type { EmulatorOptions } from '../../src/emulator/emulator-options';
import { startEmulator, type RunningEmulator } from '../../src/emulator/start-emulator';

export type { EmulatorAdmin } from '../../src/emulator/emulator-admin';
export type { EmulatorFaults, ScriptedFailure } from '../../src/emulator/fault-state';
export type { PresenceHistoryEntry } from '../../src/emulator/presence-store';

export interface TestEmulator {
  /** `http://127.0.0.1:<port>`: the API base URL and the login base URL. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  admin: EmulatorAdmin;
  /** The running emulator (for `url`, `port`). */
  emulator: RunningEmulator;
  /** The service settings that point a Genesys client at this emulator (hosts and credentials). */
  genesysEnv: {
    GENESYS_API_BASE_URL: string;
    GENESYS_LOGIN_BASE_URL: string;
    GENESYS_CLIENT_ID: string;
    GENESYS_CLIENT_SECRET: string;
  };
  stop(): Promise<void>;
}

/**
 * Starts an in-process emulator on a free loopback port. Defaults for tests: 20 agents, seed 42,
 * heartbeats every 30 s (pass `heartbeatMs` to test them). Always `await stop()` in `afterAll`/`afterEach`.
 */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({ agents: 20, ...options, port: options.port ?? 0 });
  return {
    baseUrl: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    admin: emulator.admin,
    emulator,
    genesysEnv: {
      GENESYS_API_BASE_URL: emulator.url,
      GENESYS_LOGIN_BASE_URL: emulator.url,
      GENESYS_CLIENT_ID: emulator.clientId,
      GENESYS_CLIENT_SECRET: emulator.clientSecret,
    },
    stop: () => emulator.close(),
  };
}

/** A fake clock for the emulator's `now` option: starts at `start` and moves only when told. */
export class FakeClock {
  private current: number;

  constructor(start: number | string = '2025-03-10T12:00:00.000Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }

  set(at: number | string): void {
    this.current = typeof at === 'number' ? at : Date.parse(at);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Requests a client-credentials token from the emulator's `/oauth/token`. */
export async function fetchToken(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
): Promise<ApiResponse<{ access_token?: string; expires_in?: number; token_type?: string; error?: string }>> {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

/** One JSON call to the emulator (tests only; the service uses src/genesys). */
export async function apiCall<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) {
    headers.authorization = `Bearer ${options.token}`;
  }
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text.length > 0 ? JSON.parse(text) : undefined) as T,
  };
}

export interface TestEmulatorWithToken extends TestEmulator {
  /** The current bearer token (replaced by `renewToken()`). */
  token: string;
  /** One JSON API call with the current token. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** Fetches a fresh token (after a revoke or expiry) and uses it from now on. */
  renewToken(): Promise<string>;
}

/** A test emulator plus a ready token and a bound `call()`. */
export async function startTestEmulatorWithToken(
  options: EmulatorOptions = {},
): Promise<TestEmulatorWithToken> {
  const emulator = await startTestEmulator(options);
  const issue = async (): Promise<string> => {
    const res = await fetchToken(emulator.baseUrl, emulator.clientId, emulator.clientSecret);
    if (res.body.access_token === undefined) {
      throw new Error(`emulator token request failed with ${res.status}`);
    }
    return res.body.access_token;
  };
  let token: string;
  try {
    token = await issue();
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  const result: TestEmulatorWithToken = {
    ...emulator,
    token,
    call: <T = unknown>(method: string, path: string, body?: unknown) =>
      apiCall<T>(emulator.baseUrl, method, path, { token: result.token, body }),
    renewToken: async () => {
      result.token = await issue();
      return result.token;
    },
  };
  return result;
}

/** A notification frame as the emulator (and Genesys) sends it. */
export interface NotificationFrame {
  topicName?: string;
  version?: string;
  eventBody?: Record<string, unknown>;
  metadata?: { CorrelationId: string };
  result?: string;
  status?: string;
  message?: string;
}

export interface ChannelSocket {
  readonly frames: NotificationFrame[];
  /** Resolves with the first frame (already received or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (frame: NotificationFrame) => boolean, timeoutMs?: number): Promise<NotificationFrame>;
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
  send(frame: unknown): void;
  close(): Promise<void>;
}

/** Opens a notification WebSocket at a channel's `connectUri` and records every frame. */
export async function openChannelSocket(connectUri: string): Promise<ChannelSocket> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(connectUri);
  const frames: NotificationFrame[] = [];
  const waiters: Array<{
    predicate: (f: NotificationFrame) => boolean;
    resolve: (f: NotificationFrame) => void;
  }> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as NotificationFrame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    frames,
    closed,
    waitFor(predicate, timeoutMs = 2000) {
      const existing = frames.find(predicate);
      if (existing !== undefined) {
        return Promise.resolve(existing);
      }
      return new Promise<NotificationFrame>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (f: NotificationFrame) => {
            clearTimeout(timer);
            resolve(f);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching notification frame within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    send: (frame) => ws.send(JSON.stringify(frame)),
    close: async () => {
      if (ws.readyState !== ws.CLOSED) {
        ws.close();
        await closed;
      }
    },
  };
}
