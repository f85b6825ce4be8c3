/**
 * Turns a 429/503 answer into a wait in milliseconds. `Retry-After` is either delta-seconds (what Genesys sends,
 * DF-429) or an HTTP date (RFC 9110 §10.2.3). Without the header, the normalised 429 body says
 * "Retry the request in [42] seconds"; that is used as a fallback. Returns undefined when neither says anything.
 */
export function parseRetryAfter(
  header: unknown,
  bodyMessage?: unknown,
  now: number = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value).trim();
    if (/^\d+(\.\d+)?$/.test(text)) {
      return Math.round(Number(text) * 1000);
    }
    const date = Date.parse(text);
    if (!Number.isNaN(date)) {
      return Math.max(0, date - now);
    }
  }
  if (typeof bodyMessage === 'string') {
    const match = /retry the request in \[(\d+)\] seconds/i.exec(bodyMessage);
    if (match?.[1] !== undefined) {
      return Number(match[1]) * 1000;
    }
  }
  return undefined;
}
