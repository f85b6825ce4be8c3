/** One thing `/readyz` checks. `check()` resolves (optionally with a detail) when healthy, throws when not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | void>;
}

export interface CheckResult {
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  checks: Record<string, CheckResult>;
}

/** Runs every check at once, each bounded by `timeoutMs`; ready only if all pass. */
export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        const result: CheckResult = { ok: true, ms: elapsed(started) };
        if (typeof detail === 'string') {
          result.detail = detail;
        }
        return [c.name, result];
      } catch (err) {
        return [c.name, { ok: false, ms: elapsed(started), detail: describe(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const all = Object.fromEntries(results);
  return { status: results.every(([, r]) => r.ok) ? 'ready' : 'not-ready', checks: all };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** A short, secret-free reason: the stable code when there is one, else the first line of the message. */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const first = err.message.split('\n')[0]?.slice(0, 200) ?? '';
    return typeof code === 'string' ? `${code}: ${first}` : first;
  }
  return String(err).slice(0, 200);
}
