import axios, {
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import axiosRetry from 'axios-retry';
import type { Logger } from 'pino';
import { GenesysStateUnavailableError, isGenesysError } from './errors';
import { type GenesysObserver, notify } from './observer';
import { parseRetryAfter } from './retry-after';
import { decideRetry, type RetryMode, type RetryPolicy } from './retry-policy';

/**
 * State of one logical call across its HTTP attempts. A class instance (not a plain object) so axios' config
 * merging on each retry passes it by reference.
 */
export class CallContext {
  attempts = 0;
  attemptStartedAt = 0;
  nextDelayMs = 0;
  /** Status and correlation id of the last attempt (0 / undefined when no response came). */
  lastStatus = 0;
  lastCorrelationId: string | undefined;
  /** Latency of every attempt, for the caller's record. */
  readonly attemptMs: number[] = [];

  constructor(
    readonly method: string,
    readonly route: string,
    readonly mode: RetryMode,
    readonly startedAt: number,
    /** Take one unit of the shared rate budget per attempt (API calls; not the token or a download). */
    readonly useBudget: boolean,
  ) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** The Genesys client's per-call state (see CallContext). */
    gpwCall?: CallContext;
  }
}

/** What the transport needs from the shared budget. */
export interface BudgetGate {
  acquire(n: number, maxWaitMs: number): Promise<number>;
  pause(ms: number): Promise<void>;
}

export interface TransportOptions {
  baseURL?: string;
  policy: RetryPolicy;
  logger: Pick<Logger, 'debug' | 'warn'>;
  observer?: GenesysObserver | undefined;
  /** The shared rate budget, consulted before every attempt of a call with `useBudget`. */
  budget?: BudgetGate | undefined;
  /** Longest wait for the budget before a call fails with GENESYS_BUDGET_EXHAUSTED. */
  budgetMaxWaitMs?: number;
  /** Redirects followed (default 0: the API never redirects; download URLs may). */
  maxRedirects?: number;
  now?: () => number;
}

/**
 * An axios instance with the retry policy (axios-retry driven by {@link decideRetry}), the shared budget gate,
 * per-attempt metrics and correlation ids. Error translation happens one level up (translate-error.ts).
 */
export function createTransport(options: TransportOptions): AxiosInstance {
  const now = options.now ?? Date.now;
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: options.policy.timeoutMs,
    maxRedirects: options.maxRedirects ?? 0,
    transitional: { clarifyTimeoutError: true },
    paramsSerializer: { serialize: serializeParams },
    headers: { Accept: 'application/json' },
  });

  instance.interceptors.request.use(async (config: InternalAxiosRequestConfig) => {
    const ctx = config.gpwCall;
    if (ctx !== undefined) {
      if (ctx.useBudget && options.budget !== undefined) {
        const left = options.policy.callBudgetMs - (now() - ctx.startedAt);
        const maxWait = Math.max(0, Math.min(options.budgetMaxWaitMs ?? 0, left - options.policy.timeoutMs));
        try {
          const waited = await options.budget.acquire(1, maxWait);
          if (waited > 0) {
            notify(options.observer, 'onBudgetWait', waited, false);
          }
        } catch (err) {
          if (!isGenesysError(err)) {
            const message = err instanceof Error ? err.message : String(err);
            throw new GenesysStateUnavailableError(
              `shared Genesys rate budget (Redis) unavailable: ${message}`,
              {
                method: ctx.method,
                route: ctx.route,
              },
            );
          }
          if (err.retryAfterMs !== undefined) {
            notify(options.observer, 'onBudgetWait', err.retryAfterMs, true);
          }
          throw err;
        }
      }
      ctx.attempts += 1;
      ctx.attemptStartedAt = now();
    }
    return config;
  });

  instance.interceptors.response.use(
    (response: AxiosResponse) => {
      record(response.config.gpwCall, response.status, response.headers as Record<string, unknown>);
      return response;
    },
    (error: unknown) => {
      const axiosError = error as AxiosError;
      const ctx = axiosError.config?.gpwCall;
      if (ctx !== undefined && axios.isAxiosError(error)) {
        const status = error.response?.status ?? 0;
        record(ctx, status, (error.response?.headers ?? {}) as Record<string, unknown>);
        if (status === 429) {
          const data = error.response?.data as { message?: unknown } | undefined;
          const waitMs =
            parseRetryAfter(error.response?.headers['retry-after'], data?.message, now()) ??
            options.policy.defaultRetryAfterMs;
          notify(options.observer, 'onRateLimited', waitMs, ctx.route);
          options.logger.warn(
            {
              route: ctx.route,
              method: ctx.method,
              retryAfterMs: waitMs,
              correlationId: ctx.lastCorrelationId,
            },
            'Genesys rate limit (429)',
          );
          if (options.budget !== undefined && ctx.useBudget) {
            options.budget.pause(waitMs).catch((err: unknown) => {
              options.logger.warn({ err: describe(err) }, 'could not pause the shared Genesys budget');
            });
          }
        }
      }
      return Promise.reject(error);
    },
  );

  function record(ctx: CallContext | undefined, status: number, headers: Record<string, unknown>): void {
    if (ctx === undefined) {
      return;
    }
    const ms = now() - ctx.attemptStartedAt;
    ctx.attemptMs.push(ms);
    ctx.lastStatus = status;
    const correlation = headers['inin-correlation-id'];
    ctx.lastCorrelationId = typeof correlation === 'string' ? correlation : undefined;
    notify(options.observer, 'onCall', ctx.route, status, ms, ctx.method);
  }

  axiosRetry(instance, {
    retries: options.policy.retries,
    shouldResetTimeout: true,
    retryCondition: (error: AxiosError) => {
      const ctx = error.config?.gpwCall;
      if (ctx === undefined) {
        return false;
      }
      const retryState = (error.config as { 'axios-retry'?: { retryCount?: number } })['axios-retry'];
      const data = error.response?.data as { message?: unknown } | undefined;
      const decision = decideRetry(
        {
          mode: ctx.mode,
          status: error.response?.status,
          errorCode: error.response === undefined ? error.code : undefined,
          retryAfterMs:
            error.response === undefined
              ? undefined
              : parseRetryAfter(error.response.headers['retry-after'], data?.message, now()),
          retriesDone: retryState?.retryCount ?? 0,
          elapsedMs: now() - ctx.startedAt,
        },
        options.policy,
      );
      if (decision.retry) {
        ctx.nextDelayMs = decision.delayMs;
        options.logger.debug(
          {
            route: ctx.route,
            method: ctx.method,
            status: error.response?.status ?? 0,
            code: error.code,
            delayMs: decision.delayMs,
            correlationId: ctx.lastCorrelationId,
          },
          'retrying Genesys call',
        );
      }
      return decision.retry;
    },
    retryDelay: (_count: number, error: AxiosError) => error.config?.gpwCall?.nextDelayMs ?? 0,
  });

  return instance;
}

/** Arrays become one comma-joined value (`?id=a,b,c`), as the official SDK serialises them. */
export function serializeParams(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) {
      continue;
    }
    search.append(key, Array.isArray(value) ? value.map(String).join(',') : String(value));
  }
  return search.toString();
}

function describe(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
