import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import platformClient from 'purecloud-platform-client-v2';

export interface BaselineChange {
  userId: string;
  presenceDefinitionId: string;
}

export interface SdkBaselineOptions {
  /** The emulator, `http://127.0.0.1:<port>` (loopback only). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  changes: readonly BaselineChange[];
  /** Longest run before giving up (the baseline at 300/min needs over 3 minutes for 1,000 changes). */
  timeoutMs: number;
  /** Called after every applied change (progress output). */
  onApplied?: (applied: number, elapsedMs: number) => void;
}

export interface SdkBaselineResult {
  applied: number;
  seconds: number;
  /** HTTP calls made (PATCHes including the ones answered 429, plus the token request). */
  calls: number;
  rateLimited: number;
  /** Sum of the Retry-After waits honoured. */
  waitedSeconds: number;
}

/** What the SDK rejects with when extended responses are on. */
interface SdkErrorResponse {
  status?: number;
  headers?: Record<string, string | undefined>;
}

/**
 * The baseline of `burst`: what a script on the official Genesys SDK does at a shift boundary — one PATCH per change
 * (`PresenceApi.patchUserPresencesPurecloud`), one after the other, and on 429 it sleeps `Retry-After` seconds and
 * tries the same change again. The SDK is pointed at the emulator through its gateway setting (plain HTTP on
 * loopback). Other errors abort the run.
 */
export async function runSdkBaseline(options: SdkBaselineOptions): Promise<SdkBaselineResult> {
  const url = new URL(options.baseUrl);
  const client = platformClient.ApiClient.instance;
  client.setGateway({ host: url.hostname, protocol: url.protocol.replace(':', ''), port: Number(url.port) });
  client.setReturnExtendedResponses(true);
  const started = performance.now();
  await client.loginClientCredentialsGrant(options.clientId, options.clientSecret);
  const presenceApi = new platformClient.PresenceApi();
  let calls = 1;
  let rateLimited = 0;
  let waitedSeconds = 0;
  let applied = 0;
  for (const change of options.changes) {
    for (;;) {
      if (performance.now() - started > options.timeoutMs) {
        throw new Error(`SDK baseline did not finish within ${options.timeoutMs} ms (${applied} applied)`);
      }
      calls += 1;
      try {
        await presenceApi.patchUserPresencesPurecloud(change.userId, {
          presenceDefinition: { id: change.presenceDefinitionId },
        });
        applied += 1;
        options.onApplied?.(applied, performance.now() - started);
        break;
      } catch (err) {
        const response = err as SdkErrorResponse;
        if (response.status !== 429) {
          throw new Error(`SDK baseline: PATCH answered ${String(response.status)}`);
        }
        rateLimited += 1;
        const retryAfter = Number(response.headers?.['retry-after'] ?? '1');
        const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1;
        waitedSeconds += seconds;
        await delay(seconds * 1000);
      }
    }
  }
  return { applied, seconds: (performance.now() - started) / 1000, calls, rateLimited, waitedSeconds };
}
