import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals the shared access token before it goes to Redis (AES-256-GCM, key derived from the OAuth client secret
 * with HKDF). Whoever can read Redis but lacks the secret cannot use the token; a rotated secret simply makes
 * the cached entry unreadable, which counts as "no token".
 */
export class TokenCipher {
  private readonly key: Buffer;

  constructor(clientId: string, clientSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', clientSecret, clientId, 'gpw genesys token cache v1', 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plaintext, or undefined when the value was sealed with another key or is damaged. */
  open(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64');
      if (raw.length < 29) {
        return undefined;
      }
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** A short, non-reversible fingerprint of a token: lets Redis compare tokens without holding them in clear. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 24);
}
