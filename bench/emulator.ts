/**
 * `npm run bench -- emulator [--seconds 5] [--concurrency 32] [--agents 1000]`: the Genesys Cloud emulator's own
 * capacity, so other benchmarks can show it is not their bottleneck. The emulator runs in a child process (as it
 * does beside the service); this process drives it over keep-alive HTTP with a fixed number of requests in flight:
 * first presence PATCHes (one agent each), then bulk PUTs of 50 presences. The rate limit is lifted for the run.
 * Last line: `bench emulator: patch_rps=… bulk_put_rps=… bulk_put_presences_per_s=…`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/start-emulator';
import { formatResultLine } from './lib/result-line';
import { renderTable } from './lib/results-table';
import { percentile } from './lib/stats';

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';

interface Ready {
  port: number;
  clientId: string;
  clientSecret: string;
  agentIds: string[];
}

async function child(): Promise<void> {
  const emulator = await startEmulator({
    agents: Number(process.env.BENCH_AGENTS ?? '1000'),
    rateLimitPerMinute: 1_000_000_000,
  });
  const ready: Ready = {
    port: emulator.port,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    agentIds: emulator.admin.agentIds(),
  };
  process.send?.(ready);
  process.once('SIGTERM', () => {
    void emulator.close().finally(() => process.exit(0));
  });
}

function request(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Phase {
  name: string;
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Keeps `concurrency` requests in flight for `seconds`, each built by `next(i)`. */
async function drive(
  name: string,
  seconds: number,
  concurrency: number,
  send: (i: number) => Promise<number>,
): Promise<Phase> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = issued;
      issued += 1;
      const t0 = performance.now();
      const status = await send(i);
      latencies.push(performance.now() - t0);
      if (status !== 200) {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - started) / 1000;
  return {
    name,
    requests: latencies.length,
    seconds: Math.round(elapsed * 100) / 100,
    rps: Math.round(latencies.length / elapsed),
    p50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    p99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
    errors,
  };
}

async function parent(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
      agents: { type: 'string', default: '1000' },
    },
  });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const agents = Number(values.agents);
  const emulatorProcess: ChildProcess = fork(__filename, [], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_EMULATOR_CHILD: '1', BENCH_AGENTS: String(agents) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      emulatorProcess.once('message', (m) => resolve(m as Ready));
      emulatorProcess.once('exit', (code) => reject(new Error(`emulator exited early (code ${code})`)));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const basic = Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64');
    const token = JSON.parse(
      (
        await request(
          agent,
          ready.port,
          'POST',
          '/oauth/token',
          { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          'grant_type=client_credentials',
        )
      ).text,
    ) as { access_token: string };
    const headers = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
    const ids = ready.agentIds;
    const definition = (i: number): string => (Math.floor(i / ids.length) % 2 === 0 ? ON_QUEUE : AVAILABLE);

    // Warm-up (JIT, sockets), not measured.
    await drive('warm-up', 1, concurrency, async (i) => {
      const id = ids[i % ids.length]!;
      const body = JSON.stringify({ presenceDefinition: { id: definition(i) } });
      return (
        await request(agent, ready.port, 'PATCH', `/api/v2/users/${id}/presences/purecloud`, headers, body)
      ).status;
    });
    const patch = await drive('PATCH /users/{id}/presences/purecloud', seconds, concurrency, async (i) => {
      const id = ids[i % ids.length]!;
      const body = JSON.stringify({ presenceDefinition: { id: definition(i) } });
      return (
        await request(agent, ready.port, 'PATCH', `/api/v2/users/${id}/presences/purecloud`, headers, body)
      ).status;
    });
    const bulk = await drive('PUT /users/presences/bulk (50 each)', seconds, concurrency, async (i) => {
      const start = (i * 50) % ids.length;
      const batch = Array.from({ length: 50 }, (_, k) => ({
        id: ids[(start + k) % ids.length],
        presenceDefinition: { id: definition(i + k) },
      }));
      return (
        await request(
          agent,
          ready.port,
          'PUT',
          '/api/v2/users/presences/bulk',
          headers,
          JSON.stringify(batch),
        )
      ).status;
    });
    agent.destroy();

    process.stdout.write(
      [
        `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(2)}`,
        `setup: ${agents} agents, ${concurrency} requests in flight, ${seconds} s per phase, emulator in its own process, rate limit lifted`,
        '',
        renderTable(
          ['phase', 'requests', 'seconds', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
          [patch, bulk].map((p) => [p.name, p.requests, p.seconds, p.rps, p.p50Ms, p.p99Ms, p.errors]),
        ),
        '',
        formatResultLine('emulator', [
          ['patch_rps', patch.rps],
          ['bulk_put_rps', bulk.rps],
          ['bulk_put_presences_per_s', bulk.rps * 50],
          ['errors', patch.errors + bulk.errors],
        ]),
        '',
      ].join('\n'),
    );
    return patch.errors + bulk.errors === 0 ? 0 : 1;
  } finally {
    emulatorProcess.kill('SIGTERM');
  }
}

if (process.env.BENCH_EMULATOR_CHILD === '1') {
  void child();
} else {
  parent().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
