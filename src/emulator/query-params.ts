import { badRequest } from './error-body';

export type Query = Record<string, string | string[] | undefined>;

/** All values of a multi-valued query parameter, accepting both `?id=a,b` and `?id=a&id=b`. */
export function multiValue(query: Query, name: string): string[] {
  const raw = query[name];
  if (raw === undefined) {
    return [];
  }
  const values = Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function singleValue(query: Query, name: string): string | undefined {
  const raw = query[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

export function intParam(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = singleValue(query, name);
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`Invalid value for ${name}: must be an integer from ${min} to ${max}.`, {
      details: [{ errorCode: 'invalid.value', fieldName: name }],
    });
  }
  return value;
}

export function boolParam(query: Query, name: string): boolean | undefined {
  const raw = singleValue(query, name);
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const folded = raw.toLowerCase();
  if (folded === 'true' || folded === 'false') {
    return folded === 'true';
  }
  throw badRequest(`Invalid value for ${name}: must be true or false.`);
}

/** `firstUri`, `nextUri`, … of a paged listing. */
export function pageUris(path: string, pageSize: number, pageNumber: number, pageCount: number, extra = '') {
  const uri = (n: number) => `${path}?pageSize=${pageSize}&pageNumber=${n}${extra}`;
  return {
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(Math.max(1, pageCount)),
    ...(pageNumber < pageCount ? { nextUri: uri(pageNumber + 1) } : {}),
    ...(pageNumber > 1 ? { previousUri: uri(pageNumber - 1) } : {}),
  };
}
