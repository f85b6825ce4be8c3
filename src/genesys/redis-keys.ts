/**
 * Key of a shared Genesys client structure under the service prefix. When the prefix carries no `{hash-tag}`, the
 * name is tagged so related keys of one structure land in one Redis Cluster slot.
 */
export function genesysKey(prefix: string, ...parts: string[]): string {
  const tagged = /\{[^}]+\}/.test(prefix);
  const [first, ...rest] = parts;
  const head = tagged ? `${prefix}:genesys:${first ?? ''}` : `${prefix}:genesys:{${first ?? ''}}`;
  return [head, ...rest].join(':');
}
