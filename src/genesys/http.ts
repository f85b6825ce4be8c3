import { type AxiosInstance, isAxiosError } from 'axios';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { TokenSource } from './auth';
import {
  BREAKER_FAILURE_CODES,
  GenesysBadRequestError,
  GenesysResponseInvalidError,
  GenesysStateUnavailableError,
  isGenesysError,
} from './errors';
import type { GenesysResult } from './genesys-result';
import { type BreakerState, type GenesysObserver, notify } from './observer';
import type { RetryMode } from './retry-policy';
import { CallContext } from './transport';
import { toGenesysError } from './translate-error';

/**
 * How one Genesys call is made — and the ONE retry budget of the service, written down:
 *
 * 1. Shared rate budget: before every HTTP attempt, one unit of the fleet-wide budget
 *    (`GENESYS_RATE_BUDGET_PER_MINUTE`, rate-budget.ts) is taken, waiting at most `GENESYS_RATE_BUDGET_MAX_WAIT_MS`;
 *    beyond that the call fails at once with `GENESYS_BUDGET_EXHAUSTED` (+ `retryAfterMs`) without calling.
 *    A 429 from Genesys pauses the budget for every process for its `Retry-After`.
 * 2. In-request retries (axios-retry, retry-policy.ts), at most `GENESYS_RETRIES` after the first attempt:
 *    429 for every call (not processed by Genesys) when `Retry-After` ≤ `GENESYS_MAX_RETRY_AFTER_MS`;
 *    500/502/503/504, resets and timeouts only for calls whose replay is harmless (`idempotent` mode), with
 *    exponential backoff 250 ms → 2 s (jitter). Each attempt times out after `GENESYS_TIMEOUT_MS`; no retry
 *    starts that could end after `GENESYS_CALL_BUDGET_MS` from the start of the call.
 * 3. Token: a 401 drops the shared token and the call is sent once more with a fresh one (auth.ts).
 * 4. Circuit breaker (opossum, one per client, named): one logical call (all of the above) is one breaker event.
 *    Only 5xx, network errors and timeouts count as failures; 4xx (429 included), budget refusals and response
 *    drift do not. While open, calls fail at once with `GENESYS_CIRCUIT_OPEN` (+ `retryAfterMs` until the
 *    half-open trial).
 * 5. Everything slower (minutes) belongs to BullMQ: `attempts` + backoff, and `rateLimit` on 429/budget.
 *
 * Worst case for one call ≈ `GENESYS_CALL_BUDGET_MS` + one 401 refresh; keep it well under the worker lock.
 */
export interface BreakerOptions {
  name: string;
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  /** Statistical window of the breaker (opossum `rollingCountTimeout`), default 10 s. */
  rollingWindowMs?: number;
}

export interface GenesysHttpOptions {
  apiBaseUrl: string;
  /** Transport with the shared budget (API calls). */
  transport: AxiosInstance;
  /** Transport without budget or bearer (download URLs). */
  downloadTransport: AxiosInstance;
  tokens: TokenSource;
  breaker: BreakerOptions;
  defaultRetryAfterMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug' | 'error'>;
  observer?: GenesysObserver | undefined;
  now?: () => number;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec<S extends z.ZodType | undefined> {
  method: HttpMethod;
  /** Templated path, `{name}` placeholders filled from `path` (URL-encoded). */
  route: string;
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  /** Schema of the answer; undefined when the answer has no body we read. */
  schema: S;
  /** Default: `idempotent` for GET/HEAD/PUT/DELETE, `rate-limit-only` for POST/PATCH. */
  retry?: RetryMode;
  /** Non-2xx statuses that are answers, not errors (e.g. 404 for HEAD channel). */
  acceptStatus?: readonly number[];
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

export class GenesysHttp {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly now: () => number;
  private openedAt = 0;
  private state: BreakerState = 'closed';

  constructor(private readonly options: GenesysHttpOptions) {
    this.now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker((action: () => Promise<unknown>) => action(), {
      name: options.breaker.name,
      timeout: false,
      errorThresholdPercentage: options.breaker.errorThresholdPercentage,
      volumeThreshold: options.breaker.volumeThreshold,
      resetTimeout: options.breaker.resetTimeoutMs,
      rollingCountTimeout: options.breaker.rollingWindowMs ?? 10_000,
      rollingCountBuckets: 10,
      errorFilter: (err: unknown) => !(isGenesysError(err) && BREAKER_FAILURE_CODES.has(err.code)),
    });
    this.breaker.on('open', () => this.transition('open'));
    this.breaker.on('halfOpen', () => this.transition('half-open'));
    this.breaker.on('close', () => this.transition('closed'));
  }

  get breakerState(): BreakerState {
    return this.state;
  }

  get breakerName(): string {
    return this.options.breaker.name;
  }

  /** One logical Genesys API call: budget, bearer token, retries, breaker, translation, zod parsing. */
  async request<S extends z.ZodType | undefined>(spec: RequestSpec<S>): Promise<GenesysResult<Output<S>>> {
    const startedAt = this.now();
    const mode =
      spec.retry ?? (spec.method === 'POST' || spec.method === 'PATCH' ? 'rate-limit-only' : 'idempotent');
    const ctx = new CallContext(spec.method, spec.route, mode, startedAt, true);
    try {
      return (await this.breaker.fire(() => this.execute(spec, ctx))) as GenesysResult<Output<S>>;
    } catch (err) {
      throw toGenesysError(err, {
        method: spec.method,
        route: spec.route,
        breakerRetryAfterMs: Math.max(0, this.openedAt + this.options.breaker.resetTimeoutMs - this.now()),
      });
    }
  }

  /**
   * A plain GET of a URL handed out by Genesys (WFM `downloadUrl`): no bearer token (pre-signed URLs refuse a
   * second credential, and the token must never leave for another host), no budget, no breaker.
   */
  async download<S extends z.ZodType>(
    url: string,
    schema: S,
    route: string,
  ): Promise<GenesysResult<z.output<S>>> {
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(url, this.options.apiBaseUrl);
    } catch {
      throw new GenesysResponseInvalidError(`downloadUrl is not a URL`, { method: 'GET', route });
    }
    if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') {
      throw new GenesysResponseInvalidError(`downloadUrl has an unsupported scheme`, {
        method: 'GET',
        route,
      });
    }
    const startedAt = this.now();
    const ctx = new CallContext('GET', route, 'idempotent', startedAt, false);
    try {
      const response = await this.options.downloadTransport.request({
        method: 'GET',
        url: parsedUrl.toString(),
        gpwCall: ctx,
      });
      return this.finish(ctx, response.status, schema, response.data) as GenesysResult<z.output<S>>;
    } catch (err) {
      throw toGenesysError(err, {
        method: 'GET',
        route,
        defaultRetryAfterMs: this.options.defaultRetryAfterMs,
      });
    }
  }

  /** Stops the breaker's timers (shutdown). */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async execute<S extends z.ZodType | undefined>(
    spec: RequestSpec<S>,
    ctx: CallContext,
  ): Promise<GenesysResult<Output<S>>> {
    const errorContext = {
      method: spec.method,
      route: spec.route,
      defaultRetryAfterMs: this.options.defaultRetryAfterMs,
    };
    try {
      const token = await sharedState(() => this.options.tokens.getToken());
      try {
        return await this.send(spec, ctx, token);
      } catch (err) {
        if (!(isAxiosError(err) && err.response?.status === 401)) {
          throw err;
        }
        this.options.logger.info(
          { route: spec.route, correlationId: ctx.lastCorrelationId },
          'Genesys refused the token (401); refreshing once',
        );
        const fresh = await sharedState(() => this.options.tokens.refreshAfterUnauthorized(token));
        return await this.send(spec, ctx, fresh);
      }
    } catch (err) {
      throw toGenesysError(err, errorContext);
    }
  }

  private async send<S extends z.ZodType | undefined>(
    spec: RequestSpec<S>,
    ctx: CallContext,
    token: string,
  ): Promise<GenesysResult<Output<S>>> {
    const accept = spec.acceptStatus ?? [];
    const response = await this.options.transport.request({
      method: spec.method,
      url: `${this.options.apiBaseUrl}${fillRoute(spec.route, spec.path)}`,
      params: spec.query,
      data: spec.body,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(spec.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      validateStatus: (status) => (status >= 200 && status < 300) || accept.includes(status),
      gpwCall: ctx,
    });
    return this.finish(ctx, response.status, spec.schema, response.data);
  }

  private finish<S extends z.ZodType | undefined>(
    ctx: CallContext,
    status: number,
    schema: S,
    data: unknown,
  ): GenesysResult<Output<S>> {
    const record = {
      method: ctx.method,
      route: ctx.route,
      status,
      correlationId: ctx.lastCorrelationId,
      latencyMs: this.now() - ctx.startedAt,
      attempts: ctx.attempts,
    };
    let value: unknown = undefined;
    if (schema !== undefined && status >= 200 && status < 300 && status !== 204) {
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, 10)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
        this.options.logger.warn(
          { route: ctx.route, correlationId: ctx.lastCorrelationId, issues },
          'Genesys response does not match its schema (API drift?)',
        );
        throw new GenesysResponseInvalidError(
          `${ctx.method} ${ctx.route}: response does not match its schema`,
          {
            method: ctx.method,
            route: ctx.route,
            httpStatus: status,
            correlationId: ctx.lastCorrelationId,
            details: { issues },
          },
        );
      }
      value = parsed.data;
    }
    return {
      data: value as Output<S>,
      status,
      correlationId: record.correlationId,
      latencyMs: record.latencyMs,
      calls: [record],
    };
  }

  private transition(state: BreakerState): void {
    this.state = state;
    if (state === 'open') {
      this.openedAt = this.now();
      this.options.logger.warn(
        { breaker: this.options.breaker.name, resetTimeoutMs: this.options.breaker.resetTimeoutMs },
        'Genesys circuit breaker opened',
      );
    } else {
      this.options.logger.info(
        { breaker: this.options.breaker.name, state },
        'Genesys circuit breaker state',
      );
    }
    notify(this.options.observer, 'onBreaker', state, this.options.breaker.name);
  }
}

/** Runs a step that needs the shared state in Redis; its own failures become GENESYS_STATE_UNAVAILABLE. */
export async function sharedState<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isGenesysError(err)) {
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new GenesysStateUnavailableError(`shared Genesys client state (Redis) unavailable: ${message}`);
  }
}

/** Fills `{name}` placeholders with URL-encoded values; a missing value is our bug. */
export function fillRoute(route: string, path: Record<string, string> = {}): string {
  return route.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = path[name];
    if (value === undefined || value === '') {
      throw new GenesysBadRequestError(`missing path parameter ${name} for ${route}`, { route });
    }
    return encodeURIComponent(value);
  });
}
