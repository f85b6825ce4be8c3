/** State of the Genesys circuit breaker as reported to metrics. */
export type BreakerState = 'closed' | 'half-open' | 'open';

/**
 * Metrics hooks of the Genesys client (the metrics module plugs prom-client in here). Every member is optional;
 * an observer that throws is ignored (logged at debug), it never fails a call.
 */
export interface GenesysObserver {
  /**
   * One HTTP attempt to Genesys finished (each retry is its own attempt). `route` is the templated path
   * (`/api/v2/users/{userId}/presences/purecloud`, `/oauth/token`); `status` is the HTTP status, 0 when no
   * response came (network error, timeout); `ms` is the attempt's latency.
   */
  onCall?(route: string, status: number, ms: number, method: string): void;
  /** Genesys answered 429; `retryAfterMs` is what it asked for. */
  onRateLimited?(retryAfterMs: number, route: string): void;
  /** The breaker changed state. */
  onBreaker?(state: BreakerState, name: string): void;
  /** This process asked the login host for a token (not when it adopted one from Redis), and how it went. */
  onTokenRefresh?(result: 'ok' | 'error'): void;
  /** A call waited for the shared rate budget, or was refused (`refused`) because the wait was too long. */
  onBudgetWait?(ms: number, refused: boolean): void;
}

/** Calls an observer hook, swallowing its errors. */
export function notify<K extends keyof GenesysObserver>(
  observer: GenesysObserver | undefined,
  hook: K,
  ...args: Parameters<NonNullable<GenesysObserver[K]>>
): void {
  const fn = observer?.[hook] as ((...a: unknown[]) => void) | undefined;
  if (fn === undefined) {
    return;
  }
  try {
    fn.apply(observer, args);
  } catch {
    // Metrics must never break a Genesys call.
  }
}
