import { TokenCipher } from '../../src/genesys/token-cipher';

/** Something that must never appear in output: a name for the report and the value. */
export interface Secret {
  name: string;
  value: string;
}

/** A place where text was captured: a process's output, a job's data, an audit record, an error body. */
export interface Captured {
  where: string;
  text: string;
}

export interface SecretFinding {
  secret: string;
  where: string;
  /** A few characters around the hit, with the secret itself masked. */
  context: string;
}

/**
 * The forms a secret can leak in: as it is, base64 (a Basic `Authorization` header carries
 * `base64(clientId:secret)`), base64url and URL-encoded.
 */
function variants(secret: Secret, clientId?: string): string[] {
  const forms = new Set<string>([secret.value]);
  forms.add(Buffer.from(secret.value).toString('base64').replace(/=+$/, ''));
  forms.add(Buffer.from(secret.value).toString('base64url'));
  forms.add(encodeURIComponent(secret.value));
  if (clientId !== undefined) {
    forms.add(Buffer.from(`${clientId}:${secret.value}`).toString('base64').replace(/=+$/, ''));
  }
  // Too short a form would match by chance.
  return [...forms].filter((f) => f.length >= 12);
}

/** Every occurrence of any secret (in any of its forms) in the captured texts. */
export function scanForSecrets(
  captured: readonly Captured[],
  secrets: readonly Secret[],
  options: { clientId?: string } = {},
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const secret of secrets) {
    for (const form of variants(secret, options.clientId)) {
      for (const { where, text } of captured) {
        let at = text.indexOf(form);
        while (at >= 0) {
          const context = text.slice(Math.max(0, at - 60), at + form.length + 60).replace(form, '«secret»');
          findings.push({ secret: secret.name, where, context });
          at = text.indexOf(form, at + form.length);
        }
      }
    }
  }
  return findings;
}

/**
 * The Genesys access tokens the service holds now, read back from its sealed cache in Redis (`…:genesys:…token…`
 * hashes) with the client secret, so a test can scan for the live token without the service ever printing it.
 */
export async function sharedTokens(
  redis: {
    keys(pattern: string): Promise<string[]>;
    hget(key: string, field: string): Promise<string | null>;
  },
  prefix: string,
  clientId: string,
  clientSecret: string,
): Promise<string[]> {
  const cipher = new TokenCipher(clientId, clientSecret);
  const tokens: string[] = [];
  for (const key of await redis.keys(`${prefix.replace(/[{}]/g, '?')}*genesys*token*`)) {
    const sealed = await redis.hget(key, 'sealed').catch(() => null);
    const json = sealed === null ? undefined : cipher.open(sealed);
    if (json !== undefined) {
      const value = (JSON.parse(json) as { token?: unknown }).token;
      if (typeof value === 'string') {
        tokens.push(value);
      }
    }
  }
  return tokens;
}
