import { createHash, randomBytes } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { RedisConnection } from '../redis';
import {
  GenesysAuthError,
  GenesysConfigError,
  GenesysError,
  type GenesysErrorCode,
  GenesysResponseInvalidError,
  GenesysTimeoutError,
} from './errors';
import { RedisScript } from '../redis-script';
import { genesysKey } from './redis-keys';
import { type GenesysObserver, notify } from './observer';
import { tokenResponseSchema } from './schemas';
import { TokenCipher, tokenFingerprint } from './token-cipher';
import { CallContext } from './transport';
import { toGenesysError } from './translate-error';

/** Where API calls get their bearer token. */
export interface TokenSource {
  getToken(): Promise<string>;
  /** `token` was refused with 401: drop it (here and in Redis, if still current) and return a fresh one. */
  refreshAfterUnauthorized(token: string): Promise<string>;
}

export interface SharedTokenProviderOptions {
  redis: RedisConnection;
  /** Service key prefix (`QUEUE_PREFIX`). */
  prefix: string;
  loginBaseUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Transport to the login host (retries, metrics); no budget, no breaker. */
  transport: AxiosInstance;
  /** Refresh this long before expiry (`GENESYS_TOKEN_REFRESH_LEAD_SECONDS` × 1000); at most half the lifetime. */
  refreshLeadMs: number;
  /** Longest wait for another process' refresh (the SDK's `refresh_token_wait_max`, 10 s). */
  waitMaxMs?: number;
  /** Lock lifetime: longer than one token request with its retries. */
  lockTtlMs?: number;
  /** How often a waiting process looks at the shared key. */
  pollMs?: number;
  /** A refused login is remembered this long, so other processes fail fast instead of hammering the login host. */
  failureTtlMs?: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  observer?: GenesysObserver | undefined;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/** After a failed refresh in the lead window, the next attempt from this process waits this long. */
const REFRESH_RETRY_MS = 5_000;

/** Writes the token hash atomically: fingerprint (for compare-and-delete) and the sealed token. */
const STORE_SCRIPT = new RedisScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'sealed', ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`);

/** Deletes the shared token only if it is still the one that was refused. */
const DROP_IF_SCRIPT = new RedisScript(`
if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Releases the refresh lock only if we still own it. */
const UNLOCK_SCRIPT = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * The OAuth client-credentials token (genesys-api.md §1.2), shared by every process through Redis:
 *
 * - One token per OAuth client for the whole fleet, sealed in Redis (see TokenCipher) under
 *   `<prefix>:genesys:{token:<hash of login host + client id>}`, expiring with the token.
 * - Refreshed `refreshLeadMs` ahead of expiry by ONE caller across processes (a Redis lock, SET NX PX with an
 *   owner id); during the lead window everybody else keeps using the still-valid token; without a valid token
 *   they wait (polling the key, bounded by `waitMaxMs`) and then adopt the new one.
 * - In a process, concurrent callers share one in-flight lookup (single flight).
 * - On a 401 the refused token is dropped (compare-and-delete by fingerprint, so a token another process already
 *   replaced survives) and a new one is fetched once; the caller retries its call once.
 * - A login refused as bad credentials is remembered for `failureTtlMs` so the fleet does not hammer the host.
 */
export class SharedTokenProvider implements TokenSource {
  private memory: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly key: string;
  private readonly lockKey: string;
  private readonly failKey: string;
  private readonly cipher: TokenCipher;
  private readonly now: () => number;
  private readonly waitMaxMs: number;
  private readonly lockTtlMs: number;
  private readonly pollMs: number;
  private readonly failureTtlMs: number;

  constructor(private readonly options: SharedTokenProviderOptions) {
    if (options.clientId === undefined || options.clientSecret === undefined) {
      throw new GenesysConfigError('GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must be set');
    }
    const id = createHash('sha256')
      .update(`${options.loginBaseUrl}|${options.clientId}`)
      .digest('hex')
      .slice(0, 16);
    this.key = genesysKey(options.prefix, `token:${id}`);
    this.lockKey = genesysKey(options.prefix, `token:${id}`, 'lock');
    this.failKey = genesysKey(options.prefix, `token:${id}`, 'failed');
    this.cipher = new TokenCipher(options.clientId, options.clientSecret);
    this.now = options.now ?? Date.now;
    this.waitMaxMs = options.waitMaxMs ?? 10_000;
    this.lockTtlMs = options.lockTtlMs ?? 30_000;
    this.pollMs = options.pollMs ?? 25;
    this.failureTtlMs = options.failureTtlMs ?? 5_000;
  }

  async getToken(): Promise<string> {
    const current = this.memory;
    if (current !== undefined && this.now() < current.refreshAt) {
      return current.token;
    }
    return (await this.lookup()).token;
  }

  async refreshAfterUnauthorized(token: string): Promise<string> {
    const fp = tokenFingerprint(token);
    if (this.memory?.token === token) {
      this.memory = undefined;
    }
    await DROP_IF_SCRIPT.run(this.options.redis, [this.key], [fp]);
    let fresh = await this.getToken();
    if (fresh === token) {
      // A lookup started before the drop adopted the refused token; look again.
      this.memory = undefined;
      this.inflight = undefined;
      fresh = await this.getToken();
    }
    if (fresh === token) {
      throw new GenesysAuthError('the refused token is still the shared token', { route: '/oauth/token' });
    }
    return fresh;
  }

  /** Forgets the process copy (tests, shutdown). The shared token stays in Redis. */
  forget(): void {
    this.memory = undefined;
  }

  private lookup(): Promise<CachedToken> {
    this.inflight ??= this.obtain().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async obtain(): Promise<CachedToken> {
    const deadline = this.now() + this.waitMaxMs;
    const owner = randomBytes(12).toString('hex');
    for (;;) {
      const shared = await this.readShared();
      if (shared !== undefined && this.now() < shared.refreshAt) {
        this.memory = shared;
        return shared;
      }
      const valid = shared !== undefined && this.now() < shared.expiresAt - 1_000 ? shared : undefined;
      if (valid !== undefined) {
        // Lead window: nobody waits. One process (the lock holder) refreshes in the background.
        this.memory = valid;
        if ((await this.options.redis.get(this.failKey)) === null && (await this.lock(owner))) {
          this.refreshFromLogin(valid)
            .catch(() => undefined)
            .finally(() => void this.unlock(owner));
        }
        return valid;
      }
      await this.throwIfLoginRefused();
      if (await this.lock(owner)) {
        try {
          // Another process may have stored a token between our read and our lock.
          const again = await this.readShared();
          if (again !== undefined && this.now() < again.refreshAt) {
            this.memory = again;
            return again;
          }
          return await this.refreshFromLogin(undefined);
        } finally {
          await this.unlock(owner);
        }
      }
      // Someone else is refreshing and there is no valid token: wait for theirs.
      if (this.now() >= deadline) {
        throw new GenesysTimeoutError(
          `no Genesys token: another process' refresh did not finish within ${this.waitMaxMs} ms`,
          { route: '/oauth/token', method: 'POST' },
        );
      }
      await delay(this.pollMs);
    }
  }

  private async lock(owner: string): Promise<boolean> {
    return (await this.options.redis.set(this.lockKey, owner, 'PX', this.lockTtlMs, 'NX')) === 'OK';
  }

  private async unlock(owner: string): Promise<void> {
    await UNLOCK_SCRIPT.run(this.options.redis, [this.lockKey], [owner]).catch(() => undefined);
  }

  /** Asks the login host; on failure keeps a still-valid `previous` token if there is one. */
  private async refreshFromLogin(previous: CachedToken | undefined): Promise<CachedToken> {
    try {
      const fresh = await this.requestToken();
      const ttl = fresh.expiresAt - this.now();
      await STORE_SCRIPT.run(
        this.options.redis,
        [this.key],
        [tokenFingerprint(fresh.token), this.cipher.seal(JSON.stringify(fresh)), Math.max(1, ttl)],
      );
      await this.options.redis.del(this.failKey);
      this.memory = fresh;
      notify(this.options.observer, 'onTokenRefresh', 'ok');
      this.options.logger.info(
        { expiresInMs: ttl, refreshInMs: fresh.refreshAt - this.now() },
        'Genesys access token refreshed',
      );
      return fresh;
    } catch (err) {
      notify(this.options.observer, 'onTokenRefresh', 'error');
      if (err instanceof GenesysError && err.code === 'GENESYS_AUTH') {
        await this.options.redis
          .set(
            this.failKey,
            JSON.stringify({ code: err.code, status: err.httpStatus, genesysCode: err.genesysCode }),
            'PX',
            this.failureTtlMs,
          )
          .catch(() => undefined);
      }
      if (previous !== undefined && this.now() < previous.expiresAt - 1_000) {
        this.options.logger.warn(
          { err, expiresInMs: previous.expiresAt - this.now() },
          'Genesys token refresh failed; the current token is still valid',
        );
        // Try again in a while, not on every call, while the current token lasts.
        const retryAt = Math.min(this.now() + REFRESH_RETRY_MS, previous.expiresAt - 1_000);
        this.memory = { ...previous, refreshAt: retryAt };
        return previous;
      }
      throw err;
    }
  }

  private async requestToken(): Promise<CachedToken> {
    const route = '/oauth/token';
    const ctx = new CallContext('POST', route, 'idempotent', this.now(), false);
    const basic = Buffer.from(`${this.options.clientId ?? ''}:${this.options.clientSecret ?? ''}`).toString(
      'base64',
    );
    let data: unknown;
    try {
      const response = await this.options.transport.request({
        method: 'POST',
        url: `${this.options.loginBaseUrl}${route}`,
        data: 'grant_type=client_credentials',
        headers: {
          Authorization: `Basic ${basic}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        gpwCall: ctx,
      });
      data = response.data;
    } catch (err) {
      throw toGenesysError(err, { method: 'POST', route });
    }
    const parsed = tokenResponseSchema.safeParse(data);
    if (!parsed.success) {
      throw new GenesysResponseInvalidError('token response does not match the expected shape', {
        method: 'POST',
        route,
        correlationId: ctx.lastCorrelationId,
        details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      });
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const obtainedAt = this.now();
    const lead = Math.min(this.options.refreshLeadMs, lifetimeMs / 2);
    return {
      token: parsed.data.access_token,
      expiresAt: obtainedAt + lifetimeMs,
      refreshAt: obtainedAt + lifetimeMs - lead,
    };
  }

  private async readShared(): Promise<CachedToken | undefined> {
    const sealed = await this.options.redis.hget(this.key, 'sealed');
    if (sealed === null) {
      return undefined;
    }
    const json = this.cipher.open(sealed);
    if (json === undefined) {
      return undefined;
    }
    try {
      const value = JSON.parse(json) as CachedToken;
      return typeof value.token === 'string' && this.now() < value.expiresAt ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private async throwIfLoginRefused(): Promise<void> {
    const failed = await this.options.redis.get(this.failKey);
    if (failed === null) {
      return;
    }
    let info: { code?: GenesysErrorCode; status?: number; genesysCode?: string } = {};
    try {
      info = JSON.parse(failed) as typeof info;
    } catch {
      // keep the generic message
    }
    throw new GenesysAuthError('Genesys login refused the client credentials (reported by another process)', {
      httpStatus: info.status,
      genesysCode: info.genesysCode,
      method: 'POST',
      route: '/oauth/token',
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
