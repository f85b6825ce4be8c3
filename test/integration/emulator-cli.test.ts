import { once } from 'node:events';
import { parseEmulatorArgs, run } from '../../src/cli/emulator-command';
import { fetchToken } from '../helpers/emulator';

describe('presence-worker emulator (CLI)', () => {
  it('parses every option', () => {
    expect(
      parseEmulatorArgs([
        '--port',
        '0',
        '--agents',
        '50',
        '--seed',
        '7',
        '--rate-limit',
        '60',
        '--token-ttl',
        '300',
        '--client-id',
        'id',
        '--client-secret',
        'secret',
        '--heartbeat-ms',
        '1000',
        '--latency-ms',
        '5',
      ]),
    ).toEqual({
      port: 0,
      agents: 50,
      seed: 7,
      rateLimitPerMinute: 60,
      tokenTtlSeconds: 300,
      clientId: 'id',
      clientSecret: 'secret',
      heartbeatMs: 1000,
      latencyMs: 5,
    });
    expect(parseEmulatorArgs([])).toEqual({ port: 8787 });
    expect(() => parseEmulatorArgs(['--agents', 'many'])).toThrow('--agents must be an integer');
    expect(() => parseEmulatorArgs(['--bogus'])).toThrow();
  });

  it('prints its URL and default credentials, serves them, and stops on SIGTERM', async () => {
    const output: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      process.stdout.emit('emulator-output');
      return true;
    });
    try {
      const exit = run(['--port', '0', '--agents', '3']);
      await once(process.stdout, 'emulator-output');
      const banner = output.join('');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      expect(url).toBeDefined();
      expect(banner).toContain('client id:     emulator-client');
      expect(banner).toContain('client secret: emulator-secret');
      const token = await fetchToken(url!, 'emulator-client', 'emulator-secret');
      expect(token.status).toBe(200);
      process.emit('SIGTERM');
      await expect(exit).resolves.toBe(0);
      await expect(fetch(`${url}/oauth/token`, { method: 'POST' })).rejects.toThrow();
    } finally {
      write.mockRestore();
    }
  });

  it('exits with 2 and the usage on a bad option', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(run(['--port', '-1'])).resolves.toBe(2);
      expect(String(write.mock.calls[0]?.[0])).toContain('usage: presence-worker emulator');
    } finally {
      write.mockRestore();
    }
  });
});
