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

/** A test emulator plus a ready token and a bound `call()`. */
export async function startTestEmulatorWithToken(options: EmulatorOptions = {}): Promise<
  TestEmulator & {
    token: string;
    call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  }
> {
  const emulator = await startTestEmulator(options);
  const token = await fetchToken(emulator.baseUrl, emulator.clientId, emulator.clientSecret);
  if (token.body.access_token === undefined) {
    await emulator.stop();
    throw new Error(`emulator token request failed with ${token.status}`);
  }
  const accessToken = token.body.access_token;
  return {
    ...emulator,
    token: accessToken,
    call: <T = unknown>(method: string, path: string, body?: unknown) =>
      apiCall<T>(emulator.baseUrl, method, path, { token: accessToken, body }),
  };
}
