import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../app-error';

export const API_SCOPES = ['enqueue', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const sourceName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^(\*|[A-Za-z0-9][\w.:-]*)$/, 'a source is letters, digits, "_", ".", ":", "-", or "*" for any');

const apiKeyEntrySchema = z
  .object({
    name: z.string().min(1).max(64),
    key: z.string().min(16, 'plaintext keys must have at least 16 characters').max(512).optional(),
    keySha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'keySha256 is 64 hex digits')
      .optional(),
    scopes: z.array(z.enum(API_SCOPES)).min(1),
    sources: z.array(sourceName).default([]),
  })
  .strict()
  .refine((e) => (e.key === undefined) !== (e.keySha256 === undefined), {
    message: 'give exactly one of key or keySha256',
  });

const apiKeysSchema = z
  .array(apiKeyEntrySchema)
  .refine((entries) => new Set(entries.map((e) => e.name)).size === entries.length, {
    message: 'key names must be unique',
  });

/** Who called: the key's name (safe to log), its scopes and the sources it may speak for. Never the key. */
export interface ApiPrincipal {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly sources: readonly string[];
}

interface StoredKey {
  principal: ApiPrincipal;
  digest: Buffer;
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function hasScope(principal: ApiPrincipal, scope: ApiScope): boolean {
  return principal.scopes.includes(scope);
}

export function mayUseSource(principal: ApiPrincipal, source: string): boolean {
  return principal.sources.includes('*') || principal.sources.includes(source);
}

/**
 * The API keys from `API_KEYS`. Every key, plaintext or given as its SHA-256, is kept only as a digest; a
 * presented key is hashed and compared with every stored digest using `timingSafeEqual` (no early exit), so
 * the time taken says nothing about which key, or how much of one, matched.
 */
export class ApiKeyRing {
  private readonly keys: readonly StoredKey[];

  private constructor(keys: readonly StoredKey[]) {
    this.keys = keys;
  }

  /** Parses the `API_KEYS` JSON; throws AppError `API_KEYS_INVALID` naming every problem (never a key). */
  static fromJson(json: string): ApiKeyRing {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw new AppError('API_KEYS_INVALID', 'API_KEYS is not valid JSON');
    }
    const parsed = apiKeysSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new AppError('API_KEYS_INVALID', `API_KEYS is invalid: ${problems.join('; ')}`, {
        details: { problems },
      });
    }
    return new ApiKeyRing(
      parsed.data.map((e) => ({
        principal: Object.freeze({ name: e.name, scopes: [...e.scopes], sources: [...e.sources] }),
        digest: e.key !== undefined ? sha256(e.key) : Buffer.from(e.keySha256 ?? '', 'hex'),
      })),
    );
  }

  get size(): number {
    return this.keys.length;
  }

  get principals(): readonly ApiPrincipal[] {
    return this.keys.map((k) => k.principal);
  }

  /** The principal owning `presented`, or undefined. Runs in time independent of which key matched. */
  authenticate(presented: string): ApiPrincipal | undefined {
    const digest = sha256(presented);
    let found: ApiPrincipal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest) && found === undefined) {
        found = key.principal;
      }
    }
    return found;
  }
}
