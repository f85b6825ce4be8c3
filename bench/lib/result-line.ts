/**
 * The machine-readable last line of every benchmark: `bench <name>: key=value key=value …` (issue 8). Keys are
 * snake_case; values are numbers or single words. Pure.
 */

const NAME = /^[a-z][a-z0-9-]*$/;
const KEY = /^[a-z][a-z0-9_]*$/;
const WORD = /^[^\s=]+$/;

export type ResultValue = string | number;

/** Formats the line; fields keep their order. Throws on a key or value that would break the format. */
export function formatResultLine(
  name: string,
  fields: ReadonlyArray<readonly [string, ResultValue]>,
): string {
  if (!NAME.test(name)) {
    throw new RangeError(`bad benchmark name "${name}"`);
  }
  const parts = fields.map(([key, value]) => {
    if (!KEY.test(key)) {
      throw new RangeError(`bad result key "${key}"`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new RangeError(`result ${key} is not a finite number (${value})`);
    }
    const text = String(value);
    if (!WORD.test(text)) {
      throw new RangeError(`result ${key}="${text}" must be one word without "="`);
    }
    return `${key}=${text}`;
  });
  return `bench ${name}: ${parts.join(' ')}`;
}

/** Parses a line written by {@link formatResultLine} (numbers come back as numbers). */
export function parseResultLine(
  line: string,
): { name: string; fields: Record<string, ResultValue> } | undefined {
  const match = /^bench ([a-z][a-z0-9-]*): (.*)$/.exec(line.trim());
  if (match === null) {
    return undefined;
  }
  const fields: Record<string, ResultValue> = {};
  for (const part of match[2]!.split(' ').filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      return undefined;
    }
    const raw = part.slice(eq + 1);
    const n = Number(raw);
    fields[part.slice(0, eq)] = raw !== '' && Number.isFinite(n) ? n : raw;
  }
  return { name: match[1]!, fields };
}
