import { Queue } from 'bullmq';
import { loadConfig } from '../../src/config';
import { connectPresenceProducer } from '../../src/jobs/connect-presence-producer';
import { createLogger } from '../../src/logger';
import { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from '../../src/jobs/queue-names';
import { checkInvariants, settle, type TrackedRequest } from '../helpers/chaos-invariants';
import type { HttpAnswer } from '../helpers/chaos-load';
import { runCli } from '../helpers/chaos-process';
import { ChaosStack } from '../helpers/chaos-stack';
import { testRedisUrl } from '../helpers/redis';

/**
 * Scenario 5: bad input at every door. Each bad request gets a clear error (status, stable code, the problem
 * named) and nothing is enqueued; corrupt jobs written straight into Redis end in the dead-letter queue while the
 * worker keeps serving; afterwards valid requests are accepted and reach their outcome.
 */
describe('bad input at every door', () => {
  let stack: ChaosStack;
  let agents: string[];
  const accepted: TrackedRequest[] = [];

  const valid = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    presence: 'Available',
    source: 'crm',
    requestedBy: 'chaos-test',
    ...extra,
  });

  const track = (userId: string, answer: HttpAnswer<{ requestId?: string }>): void => {
    if (answer.status === 202 && typeof answer.body.requestId === 'string') {
      accepted.push({ userId, requestId: answer.body.requestId });
    }
  };

  beforeAll(async () => {
    stack = await ChaosStack.start({ name: 'bad-input', redis: { url: testRedisUrl() } });
    agents = stack.emulator.admin.agentIds();
  });

  afterAll(async () => {
    await ChaosStack.dispose(stack, { deleteKeys: true });
  });

  type Case = {
    name: string;
    send: () => Promise<HttpAnswer<{ code?: string; problems?: Array<{ path: string }> }>>;
    status: number;
    code: string;
    /** A problem path the answer must name. */
    problem?: string;
  };

  const cases = (): Case[] => {
    const user = agents[0] ?? '';
    const post = (body: unknown, headers: Record<string, string> = {}, userId = user) =>
      stack.client.postPresence<{ code?: string; problems?: Array<{ path: string }> }>(userId, body, headers);
    return [
      {
        name: 'malformed JSON',
        send: () => post('{"presence": "Available",'),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'a JSON array instead of an object',
        send: () => post('[1,2,3]'),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'wrong types',
        send: () => post({ presence: 42, source: ['crm'], requestedBy: true, force: 'yes' }),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.presence',
      },
      {
        name: 'unknown fields',
        send: () => post(valid({ colour: 'blue', version: 3 })),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.colour',
      },
      {
        name: 'missing required fields',
        send: () => post({}),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.presence',
      },
      {
        name: 'a body over the size limit',
        send: () => post(valid({ reason: 'x'.repeat(64 * 1024) })),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        name: 'a non-JSON content type',
        send: () => post('presence=Available', { 'content-type': 'text/plain' }),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'an invalid user id',
        send: () => post(valid(), {}, 'not-a-uuid'),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'path.userId',
      },
      {
        name: 'a user id with path tricks',
        send: () => post(valid(), {}, '..%2F..%2Fadmin'),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'an unknown presence name',
        send: () => post(valid({ presence: 'Sunbathing' })),
        status: 400,
        code: 'UNKNOWN_PRESENCE',
      },
      {
        name: 'a negative version',
        send: () => post(valid(), { 'if-match': '"-1"' }),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'header.if-match',
      },
      {
        name: 'an absurd version',
        send: () => post(valid(), { 'if-match': '"99999999999999999999999"' }),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'header.if-match',
      },
      {
        name: 'a version that is not a number',
        send: () => post(valid(), { 'if-match': '"three"' }),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'header.if-match',
      },
      {
        name: 'control characters in the message',
        send: () => post(valid({ message: 'back\u0000in\u001b[31m five' })),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.message',
      },
      {
        name: 'a bidi override in requestedBy',
        send: () => post(valid({ requestedBy: 'eve\u202Enimda' })),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.requestedBy',
      },
      {
        name: 'a very long reason',
        send: () => post(valid({ reason: 'r'.repeat(5_000) })),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.reason',
      },
      {
        name: 'an invalid source',
        send: () => post(valid({ source: 'CRM System!' })),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'body.source',
      },
      {
        name: 'an Idempotency-Key with spaces',
        send: () => post(valid(), { 'idempotency-key': 'has spaces' }),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'header.idempotency-key',
      },
      {
        name: 'notBefore more than a day ahead',
        send: () => post(valid({ notBefore: new Date(Date.now() + 3 * 86_400_000).toISOString() })),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'an invalid request id in a status lookup',
        send: () => stack.client.getRequest('../../etc/passwd'),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'an invalid user id in an agent lookup',
        send: () => stack.client.getAgent('12345'),
        status: 400,
        code: 'VALIDATION_FAILED',
        problem: 'path.userId',
      },
      {
        name: 'an unknown request id',
        send: () => stack.client.getRequest(`${user}.zzzzzzzz0000`),
        status: 404,
        code: 'NOT_FOUND',
      },
    ];
  };

  it('answers every bad request with a clear 4xx, enqueues nothing, and keeps serving', async () => {
    const queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection: stack.redis(), prefix: stack.prefix });
    try {
      const before = await queue.getJobCountByTypes('wait', 'active', 'delayed', 'completed', 'failed');
      for (const c of cases()) {
        const answer = await c.send();
        const detail = `${c.name}: ${answer.status} ${answer.text.slice(0, 300)}`;
        expect({ case: c.name, status: answer.status }).toEqual({ case: c.name, status: c.status });
        expect({ case: c.name, code: answer.body.code }).toEqual({ case: c.name, code: c.code });
        if (c.problem !== undefined) {
          expect({ detail, named: answer.body.problems?.some((p) => p.path === c.problem) }).toEqual({
            detail,
            named: true,
          });
        }
      }
      const after = await queue.getJobCountByTypes('wait', 'active', 'delayed', 'completed', 'failed');
      expect(after).toBe(before);
    } finally {
      await queue.close();
    }

    // The service still serves: a valid request is accepted and reaches an outcome.
    const ok = await stack.client.postPresence<{ requestId: string }>(
      agents[1] ?? '',
      valid({ presence: 'Away' }),
    );
    expect(ok.status).toBe(202);
    track(agents[1] ?? '', ok);
  });

  it('refuses bad input at the CLI and the producer API with the same codes, and accepts good input', async () => {
    const user = agents[5] ?? '';
    const cli = (...args: string[]) => runCli(['enqueue', ...args], stack.env);
    const [unknownFlag, badUser, badPresence, badVersion, controlChars, good] = await Promise.all([
      cli('--user', user, '--presence', 'Available', '--colour', 'blue'),
      cli('--user', 'not-a-uuid', '--presence', 'Available'),
      cli('--user', user, '--presence', 'Sunbathing'),
      cli('--user', user, '--presence', 'Available', '--if-version', '-1'),
      cli('--user', user, '--presence', 'Available', '--message', 'a\u0007b'),
      cli('--user', agents[6] ?? '', '--presence', 'Away', '--requested-by', 'chaos-cli'),
    ]);
    expect([unknownFlag.code, badVersion.code]).toEqual([2, 2]);
    expect(badUser.code).toBe(3);
    expect(badUser.stderr).toContain('VALIDATION_FAILED');
    expect(badPresence.code).toBe(3);
    expect(badPresence.stderr).toContain('UNKNOWN_PRESENCE');
    expect(controlChars.code).toBe(3);
    expect(controlChars.stderr).toContain('control characters');
    if (good.code !== 0) {
      throw new Error(`enqueue exited ${good.code}: ${good.stderr.slice(-1000)}`);
    }
    const answer = JSON.parse(good.stdout) as { requestId: string };
    accepted.push({ userId: agents[6] ?? '', requestId: answer.requestId });

    const producer = await connectPresenceProducer(loadConfig(stack.env), {
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const refused = await producer
        .enqueuePresenceChange({ userId: 'x', presence: 42, source: 'CRM!', colour: 'blue' })
        .then(
          () => undefined,
          (err: unknown) => err as { code?: string; problems?: Array<{ path: string }> },
        );
      expect(refused?.code).toBe('VALIDATION_FAILED');
      // Every problem at once: the user id, the presence, the source and the unknown field.
      expect(refused?.problems?.map((p) => p.path).sort()).toEqual([
        'colour',
        'presence',
        'source',
        'userId',
      ]);
    } finally {
      await producer.close();
    }
  });

  it('answers an Idempotency-Key replayed with the same body with the first answer, and with another body 422', async () => {
    const user = agents[2] ?? '';
    const key = `idem-${Date.now()}`;
    const first = await stack.client.postPresence<{ requestId: string; version: number }>(user, valid(), {
      'idempotency-key': key,
    });
    expect(first.status).toBe(202);
    track(user, first);
    const replay = await stack.client.postPresence<{ requestId: string; replayed?: boolean }>(user, valid(), {
      'idempotency-key': key,
    });
    expect(replay.status).toBe(202);
    expect(replay.body.requestId).toBe(first.body.requestId);
    expect(replay.body.replayed).toBe(true);
    const different = await stack.client.postPresence<{ code: string }>(user, valid({ presence: 'Meal' }), {
      'idempotency-key': key,
    });
    expect(different.status).toBe(422);
    expect(different.body.code).toBe('IDEMPOTENCY_MISMATCH');
  });

  it('dead-letters jobs with corrupt data placed directly in Redis and keeps the worker running', async () => {
    const connection = stack.redis();
    const queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection, prefix: stack.prefix });
    const deadLetters = new Queue(PRESENCE_DEAD_LETTER_QUEUE, { connection, prefix: stack.prefix });
    const worker = stack.workers[0];
    try {
      // Well-formed JSON, wrong shape.
      await queue.add('presence-change', { userId: 'not-a-uuid', version: -1 }, { jobId: 'corrupt-shape' });
      await queue.add(
        'presence-change',
        { userId: agents[3], version: 'three', requestId: 7 },
        { jobId: 'corrupt-types' },
      );
      await queue.add('presence-change', null, { jobId: 'corrupt-null' });
      // Not JSON at all: the data field of the job hash is overwritten before the job becomes due.
      await queue.add(
        'presence-change',
        { userId: agents[3], version: 1, requestId: 'x' },
        { jobId: 'corrupt-bytes', delay: 1_500 },
      );
      await connection.hset(
        `${stack.prefix}:${PRESENCE_CHANGE_QUEUE}:corrupt-bytes`,
        'data',
        '{"userId": \u0000 not json',
      );

      const expected = ['corrupt-shape', 'corrupt-types', 'corrupt-null', 'corrupt-bytes'];
      const deadline = Date.now() + 60_000;
      let lettered: string[] = [];
      while (Date.now() < deadline) {
        const jobs = await deadLetters.getJobs(['wait', 'completed', 'failed', 'delayed', 'active'], 0, 100);
        lettered = jobs.map((j) => String((j.data as { jobId?: unknown }).jobId));
        if (expected.every((id) => lettered.includes(id))) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(lettered.sort()).toEqual(expect.arrayContaining(expected));
      for (const id of expected) {
        const state = await queue.getJobState(id);
        expect({ id, state }).toEqual({ id, state: 'failed' });
      }
      expect(worker?.running).toBe(true);

      // …and it still applies valid work.
      const ok = await stack.client.postPresence<{ requestId: string }>(
        agents[4] ?? '',
        valid({ presence: 'Busy' }),
      );
      expect(ok.status).toBe(202);
      track(agents[4] ?? '', ok);
    } finally {
      await queue.close();
      await deadLetters.close();
    }
  });

  it('ends with every accepted request settled, audited once, and the audit chain intact', async () => {
    const input = stack.invariantInput(accepted);
    const settledMs = await settle(input, { timeoutMs: 60_000 });
    const report = await checkInvariants(input);
    process.stdout.write(
      `chaos bad-input: accepted=${report.requests} outcomes=${JSON.stringify(report.outcomes)} settle_ms=${Math.round(settledMs)} audit_records=${report.auditRecords}\n`,
    );
    expect(report.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(report.requests).toBeGreaterThanOrEqual(3);
  });
});
