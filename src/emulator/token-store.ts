import { randomBytes } from 'node:crypto';
import { RollingMinuteCounter } from './rolling-minute-counter';

export interface IssuedToken {
  token: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  counter: RollingMinuteCounter;
}

/** Opaque bearer tokens with a TTL, revocation and a per-token rolling-minute request counter. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly revokeListeners: Array<(tokens: IssuedToken[]) => void> = [];

  constructor(private readonly now: () => number) {}

  issue(clientId: string, ttlSeconds: number): IssuedToken {
    const issuedAt = this.now();
    const record: IssuedToken = {
      token: randomBytes(24).toString('base64url'),
      clientId,
      issuedAt,
      expiresAt: issuedAt + ttlSeconds * 1000,
      counter: new RollingMinuteCounter(),
    };
    this.tokens.set(record.token, record);
    return record;
  }

  /** The live token, or why it is not usable. Expired tokens are forgotten on first sight. */
  lookup(token: string): IssuedToken | 'unknown' | 'expired' {
    const record = this.tokens.get(token);
    if (record === undefined) {
      return 'unknown';
    }
    if (this.now() >= record.expiresAt) {
      this.tokens.delete(token);
      this.notify([record]);
      return 'expired';
    }
    return record;
  }

  /** Revokes every issued token; returns how many were live. */
  revokeAll(): number {
    const revoked = [...this.tokens.values()];
    this.tokens.clear();
    this.notify(revoked);
    return revoked.length;
  }

  /** Called with tokens that stop being valid (revoked, or seen expired). */
  onInvalidated(listener: (tokens: IssuedToken[]) => void): void {
    this.revokeListeners.push(listener);
  }

  /** Forgets every token's request count (admin reset). */
  resetCounters(): void {
    for (const record of this.tokens.values()) {
      record.counter = new RollingMinuteCounter();
    }
  }

  get size(): number {
    return this.tokens.size;
  }

  private notify(tokens: IssuedToken[]): void {
    if (tokens.length === 0) {
      return;
    }
    for (const listener of this.revokeListeners) {
      listener(tokens);
    }
  }
}
