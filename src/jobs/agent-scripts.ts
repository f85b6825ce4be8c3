import { RedisScript } from '../redis-script';

/**
 * The Lua scripts that own an agent's state. Each touches only keys of one agent (hash tag `{agent:<id>}`), so
 * it runs in one Redis Cluster slot. Like BullMQ's own scripts, some build a same-slot key from the agent key base
 * passed in ARGV (the record of an earlier request whose id is only known inside the script).
 *
 * Agent state hash fields: `version`, `requestId`, `openRequestId` (latest request without an outcome),
 * desired `presenceId`/`systemPresence`/`message`/`requestedAt`/`source`/`force`/`notBefore`; `appliedVersion`,
 * `appliedPresenceId`, `appliedRequestId`, `appliedAt`; `serviceWritePresenceId`/`serviceWriteModifiedMs` (what
 * Genesys answered to our last write); `observedPresenceId`/`observedModifiedMs`/`observedAt`/`observedSource`.
 * The lease value is `<token>|<requestId>`.
 */

/**
 * KEYS: state, new request record, lease, [enqueue outbox when ARGV[8] is '1'], [idempotency key]
 * ARGV: agent key base, requestId, expectedVersion ('' = none), now ms, request ttl ms, idempotency ttl ms,
 *       body hash, outbox flag ('1' = an accepted request is also added to the outbox, score now ms; '' = the
 *       caller wrote it), N, N desired-state field/value pairs, then request-record field/value pairs
 * → {'accepted', requestId, version, supersededRequestId, supersededVersion, HGETALL superseded record or {}}
 *   | {'duplicate', requestId, version, status} | {'mismatch', requestId} | {'conflict', currentVersion}
 *
 * The outbox is not in the agent's hash slot, so only a single-node Redis can pass it here; on a cluster the
 * producer writes it before the script.
 */
export const ENQUEUE_SCRIPT = new RedisScript(`
local state, req, lease = KEYS[1], KEYS[2], KEYS[3]
local outbox, idem
if ARGV[8] == '1' then
  outbox, idem = KEYS[4], KEYS[5]
else
  idem = KEYS[4]
end
local base, rid, expected, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local reqTtl, idemTtl, bodyHash = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local r, v, h = string.match(seen, '^([^|]*)|([^|]*)|([^|]*)$')
    if h == bodyHash then
      local status = redis.call('HGET', base .. ':req:' .. r, 'status') or 'expired'
      return {'duplicate', r, v, status}
    end
    return {'mismatch', r}
  end
end

local current = tonumber(redis.call('HGET', state, 'version') or '0')
if expected ~= '' and tonumber(expected) ~= current then
  return {'conflict', tostring(current)}
end
local version = current + 1

local superseded, supersededVersion, supersededRecord = '', '', {}
local open = redis.call('HGET', state, 'openRequestId')
if open and open ~= '' then
  local inflight = ''
  local held = redis.call('GET', lease)
  if held then
    inflight = string.match(held, '|(.*)$') or ''
  end
  if open ~= inflight then
    local oldKey = base .. ':req:' .. open
    if redis.call('HGET', oldKey, 'status') == 'pending' then
      redis.call('HSET', oldKey, 'status', 'superseded', 'outcomeAt', now, 'supersededBy', rid,
        'decision', 'superseded by a newer request before it was applied')
      redis.call('PEXPIRE', oldKey, reqTtl)
      superseded = open
      supersededVersion = redis.call('HGET', oldKey, 'version') or ''
      supersededRecord = redis.call('HGETALL', oldKey)
    end
  end
end

local n = tonumber(ARGV[9])
local pos = 10
local desired = {}
for i = 1, n do
  desired[#desired + 1] = ARGV[pos]
  desired[#desired + 1] = ARGV[pos + 1]
  pos = pos + 2
end
redis.call('HDEL', state, 'message', 'notBefore', 'systemPresence')
redis.call('HSET', state, 'version', version, 'requestId', rid, 'openRequestId', rid, unpack(desired))

local record = {}
for i = pos, #ARGV do
  record[#record + 1] = ARGV[i]
end
redis.call('HSET', req, 'version', version, 'status', 'pending', 'supersedes', superseded, unpack(record))
redis.call('PEXPIRE', req, reqTtl)
if idem then
  redis.call('SET', idem, rid .. '|' .. version .. '|' .. bodyHash, 'PX', idemTtl)
end
if outbox then
  redis.call('ZADD', outbox, now, rid)
end
return {'accepted', rid, tostring(version), superseded, supersededVersion, supersededRecord}
`);

/**
 * KEYS: state, request record, lease, stream-observed hash
 * ARGV: requestId, job version, lease token, lease ms, now ms, request ttl ms
 * → {'missing'} | {'terminal', status, HGETALL record or {} when its outcome event is known to be queued
 *   (`outcomeAudited`)} | {'busy', pttl} | {'superseded', byRequestId} | {'ahead', desiredVersion}
 *   | {'claimed', HGETALL state, HGETALL stream-observed}
 */
export const CLAIM_SCRIPT = new RedisScript(`
local state, req, lease = KEYS[1], KEYS[2], KEYS[3]
local rid, token, now = ARGV[1], ARGV[3], ARGV[5]
local v = tonumber(ARGV[2])
local status = redis.call('HGET', req, 'status')
if not status then
  return {'missing'}
end
if status ~= 'pending' then
  if redis.call('HGET', req, 'outcomeAudited') == '1' then
    return {'terminal', status, {}}
  end
  return {'terminal', status, redis.call('HGETALL', req)}
end
local held = redis.call('GET', lease)
local heldToken, heldRid = '', ''
if held then
  heldToken, heldRid = string.match(held, '^([^|]*)|(.*)$')
end
if held and heldToken ~= token and heldRid == rid then
  return {'busy', tostring(redis.call('PTTL', lease))}
end
local desired = tonumber(redis.call('HGET', state, 'version') or '0')
if v < desired then
  local by = redis.call('HGET', state, 'requestId') or ''
  redis.call('HSET', req, 'status', 'superseded', 'outcomeAt', now, 'supersededBy', by,
    'decision', 'a newer request owns the agent; no API call')
  redis.call('PEXPIRE', req, tonumber(ARGV[6]))
  if redis.call('HGET', state, 'openRequestId') == rid then
    redis.call('HDEL', state, 'openRequestId')
  end
  return {'superseded', by}
end
if v > desired then
  return {'ahead', tostring(desired)}
end
if held and heldToken ~= token then
  return {'busy', tostring(redis.call('PTTL', lease))}
end
redis.call('SET', lease, token .. '|' .. rid, 'PX', tonumber(ARGV[4]))
return {'claimed', redis.call('HGETALL', state), redis.call('HGETALL', KEYS[4])}
`);

/**
 * KEYS: state, request record, lease
 * ARGV: requestId, job version, outcome, lease token ('' = none held), now ms, request ttl ms,
 *       applied presence id, Genesys modifiedDate ms ('' = no write), then record field/value pairs
 * → {'ok', outcome, HGETALL record} | {'terminal', status, HGETALL record} | {'missing'}
 */
export const FINALIZE_SCRIPT = new RedisScript(`
local state, req, lease = KEYS[1], KEYS[2], KEYS[3]
local rid, token, now = ARGV[1], ARGV[4], ARGV[5]
local function release()
  if token ~= '' then
    local held = redis.call('GET', lease)
    if held and string.sub(held, 1, #token + 1) == token .. '|' then
      redis.call('DEL', lease)
    end
  end
end
local status = redis.call('HGET', req, 'status')
if not status then
  release()
  return {'missing'}
end
if status ~= 'pending' then
  release()
  return {'terminal', status, redis.call('HGETALL', req)}
end
local outcome = ARGV[3]
if outcome == 'applied' then
  local applied = tonumber(redis.call('HGET', state, 'appliedVersion') or '0')
  local v = tonumber(ARGV[2])
  if v > applied then
    redis.call('HSET', state, 'appliedVersion', v, 'appliedPresenceId', ARGV[7], 'appliedRequestId', rid,
      'appliedAt', now)
  end
  if ARGV[8] ~= '' then
    local modified = tonumber(ARGV[8])
    redis.call('HSET', state, 'serviceWritePresenceId', ARGV[7], 'serviceWriteModifiedMs', modified)
    local observed = tonumber(redis.call('HGET', state, 'observedModifiedMs') or '-1')
    if modified >= observed then
      redis.call('HSET', state, 'observedPresenceId', ARGV[7], 'observedModifiedMs', modified,
        'observedAt', now, 'observedSource', 'service-write')
    end
  end
end
local record = {}
for i = 9, #ARGV do
  record[#record + 1] = ARGV[i]
end
redis.call('HSET', req, 'status', outcome, 'outcomeAt', now, unpack(record))
redis.call('PEXPIRE', req, tonumber(ARGV[6]))
if redis.call('HGET', state, 'openRequestId') == rid then
  redis.call('HDEL', state, 'openRequestId')
end
release()
return {'ok', outcome, redis.call('HGETALL', req)}
`);

/**
 * Lua `markAudited(key)`: sets `outcomeAudited` on the request record `key` if it exists and is decided (never
 * recreates an expired record) → 1 | 0. Shared by the scripts that mark a record.
 */
const MARK_AUDITED_LUA = `
local function markAudited(key)
  local status = redis.call('HGET', key, 'status')
  if status and status ~= 'pending' then
    redis.call('HSET', key, 'outcomeAudited', '1')
    return 1
  end
  return 0
end
`;

/**
 * KEYS: request record. Notes that the request's terminal audit event was queued (`outcomeAudited`), so a job
 * that finds the request decided need not emit it again. Only on an existing, decided record (never recreates an
 * expired one) → 1 | 0.
 */
export const MARK_AUDITED_SCRIPT = new RedisScript(`${MARK_AUDITED_LUA}
return markAudited(KEYS[1])
`);

/**
 * KEYS: enqueue outbox, [superseded request record]. ARGV: requestId.
 * The producer's last step for a request whose job was added: removes it from the outbox and, when it superseded a
 * request whose outcome event the producer queued, marks that record (`markAudited`), in one call.
 * Single-node Redis only (the outbox and the record are in different cluster slots) → 1 when a record was marked.
 */
export const SETTLE_ENQUEUE_SCRIPT = new RedisScript(`${MARK_AUDITED_LUA}
redis.call('ZREM', KEYS[1], ARGV[1])
if KEYS[2] then
  return markAudited(KEYS[2])
end
return 0
`);

/** KEYS: lease. ARGV: token. Deletes the lease if this token holds it → 1 | 0. */
export const RELEASE_SCRIPT = new RedisScript(`
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

/** KEYS: lease. ARGV: token, lease ms. Extends the lease if this token holds it → 1 | 0. */
export const RENEW_SCRIPT = new RedisScript(`
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0
`);

/**
 * KEYS: state. ARGV: presence id, modifiedDate ms, observed-at ms, source.
 * Records an observation unless a newer one is already stored (events may arrive out of order) → 1 | 0.
 */
export const OBSERVE_SCRIPT = new RedisScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'observedModifiedMs') or '-1')
local modified = tonumber(ARGV[2])
if modified >= current then
  redis.call('HSET', KEYS[1], 'observedPresenceId', ARGV[1], 'observedModifiedMs', modified,
    'observedAt', ARGV[3], 'observedSource', ARGV[4])
  return 1
end
return 0
`);
