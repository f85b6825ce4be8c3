import { GENESIS_HEAD } from '../../src/audit/audit-record';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import type { StoredAuditRecord } from '../../src/audit/audit-store';
import { verifyChain } from '../../src/audit/verify-chain';

export interface AuditTally {
  /** Records by event type. */
  byType: Record<string, number>;
  total: number;
  /** Request ids that have a terminal outcome record, with that outcome. */
  terminal: Map<string, string>;
  /** True when the hash chain verifies from genesis. */
  chainOk: boolean;
  chainProblem?: string;
}

const TERMINAL = new Set(['applied', 'superseded', 'blocked', 'conflict', 'rejected', 'failed']);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Reads the JSONL audit log of a run once (read-only, as `presence-worker audit verify` does): counts records by
 * type, the terminal outcome of each request, and checks the hash chain (unless `verify: false`).
 */
export async function tallyAudit(dir: string, options: { verify?: boolean } = {}): Promise<AuditTally> {
  const store = new JsonlAuditStore({ dir, logger: silent, readOnly: true });
  await store.open();
  try {
    const byType: Record<string, number> = {};
    const terminal = new Map<string, string>();
    let total = 0;
    const records: StoredAuditRecord[] = [];
    for await (const stored of store.read()) {
      if (options.verify !== false) {
        records.push(stored);
      }
      const { type, requestId } = stored.record;
      byType[type] = (byType[type] ?? 0) + 1;
      total += 1;
      if (requestId !== undefined && TERMINAL.has(type)) {
        terminal.set(requestId, type);
      }
    }
    async function* replay(): AsyncIterable<StoredAuditRecord> {
      yield* records;
    }
    if (options.verify === false) {
      return { byType, total, terminal, chainOk: false, chainProblem: 'not verified' };
    }
    const verified = await verifyChain(replay(), { start: GENESIS_HEAD });
    return {
      byType,
      total,
      terminal,
      chainOk: verified.ok,
      ...(verified.ok
        ? {}
        : { chainProblem: `${verified.broken?.reason ?? '?'} at seq ${String(verified.broken?.seq)}` }),
    };
  } finally {
    await store.close();
  }
}
