import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Each delivery carries `X-Signature-Timestamp` (Unix seconds) and
 * `X-Signature: sha256=<hex>` = HMAC-SHA256(secret, `${timestamp}.${body}`). Receivers recompute it over the raw
 * body, compare in constant time and reject timestamps outside their tolerance (replay protection).
 */
export const SIGNATURE_HEADER = 'x-signature';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const BATCH_ID_HEADER = 'x-batch-id';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyInput {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
  toleranceSeconds?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  if (input.signature === undefined || input.timestamp === undefined || !/^\d+$/.test(input.timestamp)) {
    return { ok: false, reason: 'missing' };
  }
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowMs / 1000 - timestamp) > (input.toleranceSeconds ?? 300)) {
    return { ok: false, reason: 'stale' };
  }
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.body));
  const actual = Buffer.from(input.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
