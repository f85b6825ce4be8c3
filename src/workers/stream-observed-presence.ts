import { observedKey } from '../jobs/keys';
import type { RedisConnection } from '../redis';
import { RedisScript } from '../redis-script';
import type { Transition } from '../timetracking/transition';

/**
 * Writes the last observed presence (or routing status) of one agent, refusing writes from a former stream leader
 * (a fencing token lower than the largest seen for this agent) and observations older than the one stored.
 * KEYS: observed hash. ARGV: kind, start (ISO, normalised), fencing token, observedAt (ISO), state fields…
 */
const WRITE_OBSERVED = new RedisScript(`
local fence = tonumber(redis.call('HGET', KEYS[1], 'fencingToken') or '0')
if tonumber(ARGV[3]) < fence then return 'fenced' end
local dateField = 'modifiedDate'
if ARGV[1] == 'routing' then dateField = 'routingStartTime' end
local previous = redis.call('HGET', KEYS[1], dateField)
if previous and ARGV[2] < previous then return 'stale' end
redis.call('HSET', KEYS[1], 'fencingToken', ARGV[3], 'observedAt', ARGV[4], dateField, ARGV[2])
if ARGV[1] == 'presence' then
  redis.call('HSET', KEYS[1], 'presenceDefinitionId', ARGV[5], 'systemPresence', ARGV[6])
else
  redis.call('HSET', KEYS[1], 'routingStatus', ARGV[5])
end
return 'written'
`);

export type ObservedWrite = 'written' | 'stale' | 'fenced';

/**
 * The agent's last observed presence at Genesys, read by the pipeline's stale-write guard and the heartbeat
 * sweep. Fields: presenceDefinitionId, systemPresence, modifiedDate, observedAt (+ routingStatus,
 * routingStartTime, fencingToken).
 */
export class ObservedPresenceWriter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async write(t: Transition, fencingToken: number): Promise<ObservedWrite> {
    const start = new Date(Date.parse(t.start)).toISOString();
    const observedAt = new Date(this.now()).toISOString();
    const fields = t.kind === 'presence' ? [t.presenceDefinitionId, t.systemPresence] : [t.routingStatus];
    return (await WRITE_OBSERVED.run(
      this.redis,
      [observedKey(this.prefix, t.userId)],
      [t.kind, start, fencingToken, observedAt, ...fields],
    )) as ObservedWrite;
  }
}
