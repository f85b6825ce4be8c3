import { z } from 'zod';
import { GenesysBadRequestError, type GenesysError, GenesysNotAppliedError, isGenesysError } from './errors';
import { combineResults, type GenesysResult, mapResult } from './genesys-result';
import type { GenesysHttp } from './http';
import { type PresenceDefinition, type SystemPresence, toSystemPresence } from './presence-names';
import {
  bulkPresenceResponseSchema,
  organizationPresenceDefinitionListingSchema,
  organizationPresenceListingSchema,
  routingStatusSchema,
  ucUserPresenceSchema,
  type UserPresence,
  userPresenceSchema,
} from './schemas';

/** Most user ids in one bulk GET or bulk PUT (genesys-api.md §3.3). */
export const BULK_PRESENCE_MAX = 50;

export const ROUTES = {
  definitions: '/api/v2/presence/definitions',
  legacyDefinitions: '/api/v2/presencedefinitions',
  userPresence: '/api/v2/users/{userId}/presences/purecloud',
  bulkGet: '/api/v2/users/presences/purecloud/bulk',
  bulkPut: '/api/v2/users/presences/bulk',
  routingStatus: '/api/v2/users/{userId}/routingstatus',
} as const;

/** A user's PURECLOUD presence, normalised. */
export interface UserPresenceState {
  userId: string;
  presenceDefinitionId: string;
  /** Canonical system presence (`ON_QUEUE`…), whatever spelling Genesys used. */
  systemPresence: SystemPresence | undefined;
  systemPresenceRaw: string | undefined;
  message: string | undefined;
  /** ISO-8601; when the presence last changed (the stale-write guard compares it). */
  modifiedDate: string | undefined;
  source: string | undefined;
}

export interface PresenceUpdate {
  userId: string;
  presenceDefinitionId: string;
  message?: string | undefined;
}

/**
 * Result of one user in a bulk PUT. `ok: false` carries the error of the chunk call that covered the user, or
 * `GENESYS_NOT_APPLIED` when Genesys answered without that user or with another presence for them. After a
 * `GENESYS_SERVER` / `GENESYS_NETWORK` / `GENESYS_TIMEOUT` the change MAY have been applied: read before
 * re-applying.
 */
export type BulkPresenceResult =
  | { userId: string; ok: true; presence: UserPresenceState; correlationId: string | undefined }
  | { userId: string; ok: false; error: GenesysError; correlationId: string | undefined };

export type RoutingStatusValue = 'OFF_QUEUE' | 'IDLE' | 'INTERACTING' | 'NOT_RESPONDING' | 'COMMUNICATING';

export interface RoutingStatusState {
  userId: string;
  /** `OFF_QUEUE | IDLE | INTERACTING | NOT_RESPONDING | COMMUNICATING` (kept as given if Genesys adds one). */
  status: RoutingStatusValue | (string & {});
  startTime: string | undefined;
}

export function toPresenceState(userId: string, p: UserPresence): UserPresenceState {
  return {
    userId,
    presenceDefinitionId: p.presenceDefinition.id,
    systemPresence: toSystemPresence(p.presenceDefinition.systemPresence),
    systemPresenceRaw: p.presenceDefinition.systemPresence,
    message: p.message,
    modifiedDate: p.modifiedDate,
    source: p.sourceId ?? p.source,
  };
}

export function toRoutingStatusState(
  userId: string,
  r: z.infer<typeof routingStatusSchema>,
): RoutingStatusState {
  return { userId: r.userId ?? userId, status: r.status, startTime: r.startTime };
}

/**
 * The organisation's presence definitions from `/api/v2/presence/definitions`; falls back to the legacy paged
 * `/api/v2/presencedefinitions` when the new route is missing or forbidden (it needs
 * `presence:presenceDefinition:view`, the legacy one lists no permission).
 */
export async function getPresenceDefinitions(
  http: GenesysHttp,
): Promise<GenesysResult<PresenceDefinition[]>> {
  try {
    const result = await http.request({
      method: 'GET',
      route: ROUTES.definitions,
      schema: organizationPresenceDefinitionListingSchema,
    });
    return mapResult(result, (listing) =>
      listing.entities.map((d) =>
        normaliseDefinition(
          d.id,
          d.name,
          d.systemPresence,
          d.languageLabels,
          d.type?.toLowerCase() === 'system',
          d.deactivated,
        ),
      ),
    );
  } catch (err) {
    if (!(isGenesysError(err) && (err.code === 'GENESYS_NOT_FOUND' || err.code === 'GENESYS_FORBIDDEN'))) {
      throw err;
    }
  }
  return getLegacyPresenceDefinitions(http);
}

async function getLegacyPresenceDefinitions(http: GenesysHttp): Promise<GenesysResult<PresenceDefinition[]>> {
  const startedAt = Date.now();
  const parts: GenesysResult<unknown>[] = [];
  const definitions: PresenceDefinition[] = [];
  for (let pageNumber = 1; pageNumber <= 50; pageNumber += 1) {
    const page = await http.request({
      method: 'GET',
      route: ROUTES.legacyDefinitions,
      query: { pageSize: 100, pageNumber },
      schema: organizationPresenceListingSchema,
    });
    parts.push(page);
    for (const d of page.data.entities) {
      definitions.push(
        normaliseDefinition(
          d.id,
          d.name,
          d.systemPresence,
          d.languageLabels,
          d.primary === true,
          d.deactivated,
        ),
      );
    }
    const pageCount = page.data.pageCount ?? 1;
    if (page.data.entities.length === 0 || pageNumber >= pageCount) {
      break;
    }
  }
  return combineResults(definitions, parts, startedAt);
}

function normaliseDefinition(
  id: string,
  name: string | undefined,
  systemPresence: string | undefined,
  labels: Record<string, string> | undefined,
  primary: boolean,
  deactivated: boolean | undefined,
): PresenceDefinition {
  const languageLabels = labels ?? {};
  return {
    id,
    name: name ?? languageLabels.en_US ?? Object.values(languageLabels)[0] ?? systemPresence ?? id,
    systemPresence: toSystemPresence(systemPresence),
    systemPresenceRaw: systemPresence,
    primary,
    deactivated: deactivated === true,
    labels: languageLabels,
  };
}

export async function getUserPresence(
  http: GenesysHttp,
  userId: string,
): Promise<GenesysResult<UserPresenceState>> {
  const result = await http.request({
    method: 'GET',
    route: ROUTES.userPresence,
    path: { userId },
    schema: userPresenceSchema,
  });
  return mapResult(result, (p) => toPresenceState(userId, p));
}

/** Presences of many users, ≤ 50 ids per bulk GET (ids de-duplicated, chunks called one after the other). */
export async function getUserPresencesBulk(
  http: GenesysHttp,
  userIds: readonly string[],
): Promise<GenesysResult<UserPresenceState[]>> {
  const startedAt = Date.now();
  const ids = [...new Set(userIds)];
  const parts: GenesysResult<unknown>[] = [];
  const presences: UserPresenceState[] = [];
  for (const chunk of chunks(ids, BULK_PRESENCE_MAX)) {
    const result = await http.request({
      method: 'GET',
      route: ROUTES.bulkGet,
      query: { id: chunk },
      schema: z.array(ucUserPresenceSchema),
    });
    parts.push(result);
    presences.push(...result.data.map((p) => toPresenceState(p.userId, p)));
  }
  return combineResults(presences, parts, startedAt);
}

/**
 * Sets one user's PURECLOUD presence. Not retried on 5xx / network errors (only 429): Genesys has no version
 * or If-Match on presence (last write wins), so a blind replay seconds later could overwrite a change made in
 * between; the caller re-checks and decides.
 */
export async function patchUserPresence(
  http: GenesysHttp,
  userId: string,
  update: { presenceDefinitionId: string; message?: string | undefined },
): Promise<GenesysResult<UserPresenceState>> {
  const result = await http.request({
    method: 'PATCH',
    route: ROUTES.userPresence,
    path: { userId },
    body: {
      presenceDefinition: { id: update.presenceDefinitionId },
      ...(update.message === undefined ? {} : { message: update.message }),
    },
    schema: userPresenceSchema,
    retry: 'rate-limit-only',
  });
  return mapResult(result, (p) => toPresenceState(userId, p));
}

/**
 * Sets many users' presences with `PUT /api/v2/users/presences/bulk`, ≤ 50 users per call, and checks every
 * user in the answer. Never throws for a failed chunk: every user gets a {@link BulkPresenceResult}. After a
 * chunk fails, the following chunks are not sent and their users carry the same error.
 *
 * Retry decision: the PUT is idempotent in effect (setting the same presence twice is harmless), but it is
 * NOT retried in-request on 5xx / network errors / timeouts, only on 429. Presence is last-write-wins with no
 * version, so replaying it after a delay could overwrite an agent's own change made meanwhile; the presence
 * worker owns that decision (stale-write guard, then BullMQ attempts).
 */
export async function putUserPresencesBulk(
  http: GenesysHttp,
  updates: readonly PresenceUpdate[],
): Promise<GenesysResult<BulkPresenceResult[]>> {
  const startedAt = Date.now();
  const seen = new Set<string>();
  for (const u of updates) {
    if (seen.has(u.userId)) {
      throw new GenesysBadRequestError(`user ${u.userId} appears twice in one bulk presence update`, {
        method: 'PUT',
        route: ROUTES.bulkPut,
      });
    }
    seen.add(u.userId);
  }
  const parts: GenesysResult<unknown>[] = [];
  const results: BulkPresenceResult[] = [];
  let stopped: GenesysError | undefined;
  for (const chunk of chunks(updates, BULK_PRESENCE_MAX)) {
    if (stopped !== undefined) {
      const error = stopped;
      results.push(
        ...chunk.map((u) => ({ userId: u.userId, ok: false as const, error, correlationId: undefined })),
      );
      continue;
    }
    try {
      const result = await http.request({
        method: 'PUT',
        route: ROUTES.bulkPut,
        body: chunk.map((u) => ({
          id: u.userId,
          source: 'PURECLOUD',
          presenceDefinition: { id: u.presenceDefinitionId },
          ...(u.message === undefined ? {} : { message: u.message }),
        })),
        schema: bulkPresenceResponseSchema,
        retry: 'rate-limit-only',
      });
      parts.push(result);
      const byUser = new Map(result.data.map((p) => [p.id, p]));
      for (const u of chunk) {
        const answered = byUser.get(u.userId);
        if (answered === undefined || answered.presenceDefinition.id !== u.presenceDefinitionId) {
          results.push({
            userId: u.userId,
            ok: false,
            correlationId: result.correlationId,
            error: new GenesysNotAppliedError(
              answered === undefined
                ? `bulk presence answer has no entry for user ${u.userId}`
                : `bulk presence answer shows definition ${answered.presenceDefinition.id} for user ${u.userId}`,
              {
                method: 'PUT',
                route: ROUTES.bulkPut,
                httpStatus: result.status,
                correlationId: result.correlationId,
              },
            ),
          });
        } else {
          results.push({
            userId: u.userId,
            ok: true,
            presence: toPresenceState(u.userId, answered),
            correlationId: result.correlationId,
          });
        }
      }
    } catch (err) {
      if (!isGenesysError(err)) {
        throw err;
      }
      stopped = err;
      results.push(
        ...chunk.map((u) => ({
          userId: u.userId,
          ok: false as const,
          error: err,
          correlationId: err.correlationId,
        })),
      );
    }
  }
  return combineResults(results, parts, startedAt);
}

/** ACD routing status; Genesys answers `OFF_QUEUE` (not 404) for an unknown user (§3.4). */
export async function getRoutingStatus(
  http: GenesysHttp,
  userId: string,
): Promise<GenesysResult<RoutingStatusState>> {
  const result = await http.request({
    method: 'GET',
    route: ROUTES.routingStatus,
    path: { userId },
    schema: routingStatusSchema,
  });
  return mapResult(result, (r) => toRoutingStatusState(userId, r));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
