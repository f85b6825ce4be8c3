import { performance } from 'node:perf_hooks';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  body: T;
  text: string;
  ms: number;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  /** Abort after this long (default 15 s); an aborted call rejects. */
  timeoutMs?: number;
}

/** The service's HTTP API as a client sees it (loopback only). */
export class ChaosApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** The same API with another key (or none). */
  withKey(apiKey: string | undefined): ChaosApi {
    return new ChaosApi(this.baseUrl, apiKey);
  }

  async request<T = unknown>(path: string, options: RawRequest = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.apiKey !== undefined && headers.authorization === undefined) {
      headers.authorization = `Bearer ${this.apiKey}`;
    }
    let body: string | Buffer | undefined;
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
      body = options.body;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
    }
    if (body !== undefined && headers['content-type'] === undefined) {
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      body: parsed as T,
      text,
      ms: performance.now() - started,
    };
  }

  postPresence<T = unknown>(
    userId: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer<T>> {
    return this.request<T>(`/v1/agents/${encodeURIComponent(userId)}/presence`, {
      method: 'POST',
      body,
      headers,
    });
  }

  getRequest<T = unknown>(requestId: string): Promise<HttpAnswer<T>> {
    return this.request<T>(`/v1/requests/${encodeURIComponent(requestId)}`);
  }

  getAgent<T = unknown>(userId: string): Promise<HttpAnswer<T>> {
    return this.request<T>(`/v1/agents/${encodeURIComponent(userId)}`);
  }
}

/** One request the service accepted (202). */
export interface AcceptedRequest {
  requestId: string;
  userId: string;
  version: number;
  /** The presence asked for (as sent). */
  presence: string;
  /** ms since the load started. */
  at: number;
}

export interface LoadReport {
  sent: number;
  byStatus: Record<string, number>;
  accepted: AcceptedRequest[];
  /** Calls that got no HTTP answer (connection refused, reset, timeout). */
  networkErrors: number;
  /** The first few non-202 answers, for failure messages. */
  samples: Array<{ status: number | 'network'; body: string }>;
  /** Every answer's latency in ms (network errors excluded). */
  latencies: number[];
  /** Ticks where the in-flight cap stopped the generator from sending (open loop fell behind). */
  skipped: number;
  durationMs: number;
}

export interface LoadOptions {
  api: ChaosApi;
  /** Requests per second (open loop: sent on schedule whatever the answers take). */
  rate: number;
  durationMs: number;
  /** The i-th request: which agent, and the body. */
  request(i: number): { userId: string; body: Record<string, unknown>; headers?: Record<string, string> };
  /** Most requests in flight; beyond it a slot is skipped and counted (default 512). */
  maxInFlight?: number;
  /** Per-request timeout (default 15 s); a timed-out request counts as `network`. */
  requestTimeoutMs?: number;
  /** Called with every answer (e.g. to cut a dependency after N accepted). */
  onAnswer?(answer: { i: number; status: number | 'network'; at: number }): void;
  /** Resolves early when aborted (the report covers what was sent). */
  signal?: AbortSignal;
}

/** Status keys of a report: `202`, `503`, …, `network`. */
export function statusCount(report: LoadReport, status: number | 'network'): number {
  return report.byStatus[String(status)] ?? 0;
}

/**
 * An open-loop HTTP load: `rate` requests per second for `durationMs`, sent in 20 ms slices whatever the service
 * answers, every answer counted by status, every 202 kept with its request id. Bounded in count (rate × duration)
 * and in time (each call times out after 15 s).
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = {
    sent: 0,
    byStatus: {},
    accepted: [],
    networkErrors: 0,
    samples: [],
    latencies: [],
    skipped: 0,
    durationMs: 0,
  };
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const maxInFlight = options.maxInFlight ?? 512;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const sliceMs = 20;

  const sendOne = async (i: number): Promise<void> => {
    const { userId, body, headers } = options.request(i);
    let status: number | 'network';
    try {
      const answer = await options.api.request<{ requestId?: string; version?: number }>(
        `/v1/agents/${encodeURIComponent(userId)}/presence`,
        { method: 'POST', body, headers: headers ?? {}, timeoutMs: options.requestTimeoutMs ?? 15_000 },
      );
      status = answer.status;
      report.latencies.push(answer.ms);
      if (answer.status === 202 && typeof answer.body?.requestId === 'string') {
        report.accepted.push({
          requestId: answer.body.requestId,
          userId,
          version: answer.body.version ?? -1,
          presence: String(body.presence),
          at: performance.now() - started,
        });
      } else if (report.samples.length < 20) {
        report.samples.push({ status: answer.status, body: answer.text.slice(0, 500) });
      }
    } catch (err) {
      status = 'network';
      report.networkErrors += 1;
      if (report.samples.length < 20) {
        report.samples.push({ status, body: err instanceof Error ? err.message : String(err) });
      }
    }
    report.byStatus[String(status)] = (report.byStatus[String(status)] ?? 0) + 1;
    options.onAnswer?.({ i, status, at: performance.now() - started });
  };

  let next = 0;
  while (next < total && options.signal?.aborted !== true) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
    while (next < due) {
      if (inFlight.size >= maxInFlight) {
        report.skipped += 1;
        next += 1;
        continue;
      }
      const i = next;
      next += 1;
      report.sent += 1;
      const p = sendOne(i).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, sliceMs));
  }
  await Promise.all(inFlight);
  report.durationMs = performance.now() - started;
  return report;
}

/** `p` (0..100) percentile of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
