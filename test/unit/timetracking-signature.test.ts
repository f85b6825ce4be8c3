import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from '../../src/timetracking/webhook-signature';

describe('webhook signature', () => {
  const secret = 's3cret';
  const body = '{"batchId":"b1","segments":[]}';
  const now = 1_800_000_000_000;
  const ts = Math.floor(now / 1000);

  it('is HMAC-SHA256 over "timestamp.body" as hex, prefixed sha256=', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signWebhook(secret, ts, body)).toBe(`sha256=${expected}`);
  });

  it('verifies a good signature and rejects a changed body, timestamp or secret', () => {
    const signature = signWebhook(secret, ts, body);
    const base = { secret, body, signature, timestamp: String(ts), nowMs: now };
    expect(verifyWebhookSignature(base)).toEqual({ ok: true });
    expect(verifyWebhookSignature({ ...base, body: `${body} ` })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature({ ...base, secret: 'other' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature({ ...base, timestamp: String(ts + 1) })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects stale timestamps and missing headers', () => {
    const signature = signWebhook(secret, ts, body);
    expect(
      verifyWebhookSignature({ secret, body, signature, timestamp: String(ts), nowMs: now + 301_000 }),
    ).toEqual({ ok: false, reason: 'stale' });
    expect(
      verifyWebhookSignature({ secret, body, signature: undefined, timestamp: String(ts), nowMs: now }),
    ).toEqual({
      ok: false,
      reason: 'missing',
    });
  });
});
