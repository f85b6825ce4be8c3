import type { PresenceSpelling } from './presence-definitions';

/** How `startEmulator()` is configured. Every field has a documented default (see docs/emulator.md). */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default 127.0.0.1 (loopback only). */
  host?: string;
  /**
   * Base URL the emulator names itself by in `connectUri` and `downloadUrl` (and `url`); default
   * `http://<host>:<port>`. Set it when clients reach the emulator under another name (a container's service name).
   */
  publicUrl?: string;
  /** Number of seeded agents; default 200. */
  agents?: number;
  /** Seed of the org (ids, names, initial presences, schedules); default 42. */
  seed?: number;
  /** OAuth client id accepted by `POST /oauth/token`; default `emulator-client`. */
  clientId?: string;
  /** OAuth client secret; default `emulator-secret`. */
  clientSecret?: string;
  /** Requests per token per rolling minute before 429; default 300. */
  rateLimitPerMinute?: number;
  /** `expires_in` of issued tokens; default 86 400 s. */
  tokenTtlSeconds?: number;
  /** WebSocket heartbeat interval; default 30 000 ms. */
  heartbeatMs?: number;
  /** Added latency on every API response (a fault that can also be changed at run time); default 0. */
  latencyMs?: number;
  /** The emulator's clock (epoch ms); default `Date.now`. Tokens, rate limits, history and schedules use it. */
  now?: () => number;
  /** IANA time zone of the business unit; default `America/New_York`. */
  timeZone?: string;
  /**
   * Spelling of `systemPresence` on user-presence surfaces (GET/PATCH presence, bulk, events), which is
   * unverified for the real service: `legacy` (`On Queue`, default), `camel` (`OnQueue`) or `upper` (`ON_QUEUE`).
   */
  presenceSpelling?: PresenceSpelling;
  /** HTTP status of `invalid_client` token errors (400 or 401 are both seen; unverified); default 401. */
  tokenErrorStatus?: 400 | 401;
  /** Maximum items of `PUT /users/presences/bulk` (unverified for the real service); default 50. */
  bulkPutMaxItems?: number;
  /** Delay before an async (`Processing`) WFM search completes; default 50 ms. */
  wfmAsyncDelayMs?: number;
}

export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  publicUrl: string | undefined;
  agents: number;
  seed: number;
  clientId: string;
  clientSecret: string;
  rateLimitPerMinute: number;
  tokenTtlSeconds: number;
  heartbeatMs: number;
  latencyMs: number;
  now: () => number;
  timeZone: string;
  presenceSpelling: PresenceSpelling;
  tokenErrorStatus: 400 | 401;
  bulkPutMaxItems: number;
  wfmAsyncDelayMs: number;
}

export const DEFAULT_CLIENT_ID = 'emulator-client';
export const DEFAULT_CLIENT_SECRET = 'emulator-secret';

export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const resolved: ResolvedEmulatorOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    agents: options.agents ?? 200,
    seed: options.seed ?? 42,
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 300,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 86_400,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    latencyMs: options.latencyMs ?? 0,
    now: options.now ?? Date.now,
    timeZone: options.timeZone ?? 'America/New_York',
    presenceSpelling: options.presenceSpelling ?? 'legacy',
    tokenErrorStatus: options.tokenErrorStatus ?? 401,
    bulkPutMaxItems: options.bulkPutMaxItems ?? 50,
    wfmAsyncDelayMs: options.wfmAsyncDelayMs ?? 50,
  };
  const positive: Array<[string, number]> = [
    ['agents', resolved.agents],
    ['rateLimitPerMinute', resolved.rateLimitPerMinute],
    ['tokenTtlSeconds', resolved.tokenTtlSeconds],
    ['heartbeatMs', resolved.heartbeatMs],
    ['bulkPutMaxItems', resolved.bulkPutMaxItems],
  ];
  for (const [name, value] of positive) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`emulator option ${name} must be a positive integer (got ${value})`);
    }
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new RangeError(`emulator option port must be 0..65535 (got ${resolved.port})`);
  }
  if (resolved.latencyMs < 0 || resolved.wfmAsyncDelayMs < 0) {
    throw new RangeError('emulator options latencyMs and wfmAsyncDelayMs must not be negative');
  }
  if (resolved.publicUrl !== undefined && !/^https?:\/\/[^/\s]+$/.test(resolved.publicUrl)) {
    throw new RangeError(
      `emulator option publicUrl must be http(s)://host[:port] without a path (got ${resolved.publicUrl})`,
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: resolved.timeZone });
  } catch {
    throw new RangeError(`emulator option timeZone is not an IANA time zone: ${resolved.timeZone}`);
  }
  return resolved;
}
