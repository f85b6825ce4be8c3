import type { Logger } from 'pino';

/** The 10 system presences (genesys-api.md §3.1), in the analytics spelling used as our canonical form. */
export const SYSTEM_PRESENCES = [
  'AVAILABLE',
  'AWAY',
  'BUSY',
  'OFFLINE',
  'IDLE',
  'ON_QUEUE',
  'MEAL',
  'TRAINING',
  'MEETING',
  'BREAK',
] as const;
export type SystemPresence = (typeof SYSTEM_PRESENCES)[number];

/**
 * Comparison key of a presence name: case-folded, without spaces, underscores or hyphens. `OnQueue`,
 * `On Queue`, `ON_QUEUE`, `on_queue` and `on-queue` all give `onqueue` (the spelling differs by API surface).
 */
export function presenceKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

const SYSTEM_BY_KEY: ReadonlyMap<string, SystemPresence> = new Map(
  SYSTEM_PRESENCES.map((s) => [presenceKey(s), s]),
);

/** Any spelling of a system presence → canonical (`On Queue` → `ON_QUEUE`); undefined when it is not one. */
export function toSystemPresence(value: string | undefined | null): SystemPresence | undefined {
  return value === undefined || value === null ? undefined : SYSTEM_BY_KEY.get(presenceKey(value));
}

/** A presence definition, normalised across `/presence/definitions` and the legacy `/presencedefinitions`. */
export interface PresenceDefinition {
  id: string;
  /** Display name (`name`, else the en_US label, else the system presence). */
  name: string;
  /** Canonical system presence this definition maps to; undefined when Genesys gave none we know. */
  systemPresence: SystemPresence | undefined;
  /** The spelling Genesys used. */
  systemPresenceRaw: string | undefined;
  /** One of the built-in (primary / type System) definitions; false for org-defined secondary ones. */
  primary: boolean;
  deactivated: boolean;
  /** Language → label. */
  labels: Readonly<Record<string, string>>;
}

export type PresenceResolution =
  | { kind: 'found'; definition: PresenceDefinition }
  | { kind: 'deactivated'; definition: PresenceDefinition }
  | { kind: 'ambiguous'; candidates: PresenceDefinition[] }
  | { kind: 'unknown' };

/**
 * Resolves a definition id or a name against a list of definitions (pure):
 * 1. an id (any case) → that definition (`deactivated` if it is);
 * 2. a system presence in any spelling (`On Queue`, `ON_QUEUE`…) → its primary definition;
 * 3. a label (name or any language label, same normalisation) of an active definition → it; several → the only
 *    primary one among them, else `ambiguous`.
 */
export function resolvePresenceIn(
  definitions: readonly PresenceDefinition[],
  nameOrId: string,
): PresenceResolution {
  const wanted = nameOrId.trim();
  if (wanted === '') {
    return { kind: 'unknown' };
  }
  const byId = definitions.find((d) => d.id.toLowerCase() === wanted.toLowerCase());
  if (byId !== undefined) {
    return byId.deactivated ? { kind: 'deactivated', definition: byId } : { kind: 'found', definition: byId };
  }
  const active = definitions.filter((d) => !d.deactivated);
  const key = presenceKey(wanted);
  const system = SYSTEM_BY_KEY.get(key);
  if (system !== undefined) {
    const ofSystem = active.filter((d) => d.systemPresence === system);
    const primary = ofSystem.filter((d) => d.primary);
    if (primary.length === 1) {
      return { kind: 'found', definition: primary[0]! };
    }
    if (primary.length === 0 && ofSystem.length === 1) {
      return { kind: 'found', definition: ofSystem[0]! };
    }
  }
  const labelled = active.filter(
    (d) => presenceKey(d.name) === key || Object.values(d.labels).some((label) => presenceKey(label) === key),
  );
  if (labelled.length === 1) {
    return { kind: 'found', definition: labelled[0]! };
  }
  if (labelled.length > 1) {
    const primary = labelled.filter((d) => d.primary);
    return primary.length === 1
      ? { kind: 'found', definition: primary[0]! }
      : { kind: 'ambiguous', candidates: labelled };
  }
  return { kind: 'unknown' };
}

export interface PresenceCatalogOptions {
  load: () => Promise<PresenceDefinition[]>;
  /** How long a loaded list is used (`GENESYS_PRESENCE_CACHE_TTL_MS`). */
  ttlMs: number;
  /** An unknown name or id reloads the list at most this often (new definitions appear without waiting a TTL). */
  missReloadMs?: number;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
}

/**
 * The organisation's presence definitions, cached for `ttlMs` in this process, loaded by one caller at a time;
 * if a reload fails, the previous list keeps serving (definitions rarely change).
 */
export class PresenceCatalog {
  private cached: { at: number; definitions: PresenceDefinition[] } | undefined;
  private loading: Promise<PresenceDefinition[]> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: PresenceCatalogOptions) {
    this.now = options.now ?? Date.now;
  }

  async definitions(): Promise<PresenceDefinition[]> {
    const cached = this.cached;
    if (cached !== undefined && this.now() - cached.at < this.options.ttlMs) {
      return cached.definitions;
    }
    return this.reload();
  }

  async resolveDetailed(nameOrId: string): Promise<PresenceResolution> {
    const first = resolvePresenceIn(await this.definitions(), nameOrId);
    const age = this.cached === undefined ? Infinity : this.now() - this.cached.at;
    if (first.kind !== 'unknown' || age < (this.options.missReloadMs ?? 10_000)) {
      return first;
    }
    return resolvePresenceIn(await this.reload(), nameOrId);
  }

  /** The active definition for a name (any spelling) or id; undefined when unknown, deactivated or ambiguous. */
  async resolve(nameOrId: string): Promise<PresenceDefinition | undefined> {
    const resolution = await this.resolveDetailed(nameOrId);
    return resolution.kind === 'found' ? resolution.definition : undefined;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private reload(): Promise<PresenceDefinition[]> {
    this.loading ??= this.options
      .load()
      .then(
        (definitions) => {
          this.cached = { at: this.now(), definitions };
          return definitions;
        },
        (err: unknown) => {
          if (this.cached !== undefined) {
            this.options.logger?.warn({ err }, 'presence definitions reload failed; serving the cached list');
            return this.cached.definitions;
          }
          throw err;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
