import type { Logger } from 'pino';
import type { AgentStateStore } from '../jobs/agent-state-store';

/**
 * Keeps the per-agent leases this worker holds alive while their changes are in flight (a Genesys call with its
 * in-request retries may approach the lease time): every third of `AGENT_LEASE_MS` all held leases are extended
 * at once. A lease found lost (expired during a stall, taken over) is logged; the finalize script still records
 * exactly one outcome per request.
 */
export class PresenceLeaseKeeper {
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<AgentStateStore, 'renew'>,
    private readonly leaseMs: number,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  hold(userId: string, token: string): void {
    this.held.set(userId, token);
  }

  drop(userId: string, token: string): void {
    if (this.held.get(userId) === token) {
      this.held.delete(userId);
    }
  }

  get size(): number {
    return this.held.size;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async renewAll(): Promise<void> {
    const leases = [...this.held].map(([userId, token]) => ({ userId, token }));
    if (leases.length === 0) {
      return;
    }
    try {
      const lost = await this.store.renew(leases, this.leaseMs);
      // A change that finished while the renewal ran has released its own lease: that one was not lost.
      const tokens = new Map(leases.map((l) => [l.userId, l.token]));
      const stillHeld = lost.filter((userId) => this.held.get(userId) === tokens.get(userId));
      if (stillHeld.length > 0) {
        this.logger.warn({ users: stillHeld.length }, 'agent leases lost while their change was in flight');
      }
    } catch (err) {
      this.logger.warn({ err }, 'agent lease renewal failed');
    }
  }
}
