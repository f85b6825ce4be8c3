import { AppError } from '../app-error';
import type { Segment } from './segment';
import { BATCH_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature';

export interface WebhookBatch {
  batchId: string;
  segments: Segment[];
}

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  now?: () => number;
}

/** A delivery that failed; `permanent` when retrying cannot help (a 4xx other than 408/425/429). */
export class WebhookDeliveryError extends AppError {
  constructor(
    message: string,
    readonly permanent: boolean,
    options: { httpStatus?: number; cause?: unknown } = {},
  ) {
    super('WEBHOOK_DELIVERY_FAILED', message, options);
  }
}

/** The body of one delivery: stable across attempts, so the receiver can de-duplicate on `batchId`. */
export function webhookBody(batch: WebhookBatch): string {
  return JSON.stringify({ batchId: batch.batchId, segments: batch.segments });
}

/** Where a URL points, without credentials or query (safe to log). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Posts one batch of segments as JSON, signed (webhook-signature.ts). One attempt per call: the `time-export` queue
 * owns retries and back-off. Neither the secret nor the URL's credentials ever appear in an error.
 */
export class WebhookSink {
  private readonly now: () => number;

  constructor(private readonly options: WebhookSinkOptions) {
    this.now = options.now ?? Date.now;
  }

  async deliver(batch: WebhookBatch): Promise<{ status: number }> {
    const body = webhookBody(batch);
    const timestamp = Math.floor(this.now() / 1000);
    const target = describeUrl(this.options.url);
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(this.options.secret, timestamp, body),
          [BATCH_ID_HEADER]: batch.batchId,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
      throw new WebhookDeliveryError(`webhook ${target} unreachable (${reason})`, false);
    }
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) {
      return { status: response.status };
    }
    const permanent =
      response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status);
    throw new WebhookDeliveryError(`webhook ${target} answered ${response.status}`, permanent, {
      httpStatus: response.status,
    });
  }
}
