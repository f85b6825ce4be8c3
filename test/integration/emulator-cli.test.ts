import { once } from 'node:events';
import { parseEmulatorArgs, run } from '../../src/cli/emulator-command';
import { resolveEmulatorOptions } from '../../src/emulator/emulator-options';
import { startEmulator } from '../../src/emulator/start-emulator';
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

  it('takes the listen address and the public URL (for containers)', () => {
    expect(parseEmulatorArgs(['--host', '0.0.0.0', '--public-url', 'http://emulator:8787'])).toEqual({
      host: '0.0.0.0',
      port: 8787,
      publicUrl: 'http://emulator:8787',
    });
    expect(() => parseEmulatorArgs(['--host', ''])).toThrow('--host must not be empty');
    expect(() => resolveEmulatorOptions({ publicUrl: 'emulator:8787' })).toThrow('publicUrl');
    expect(() => resolveEmulatorOptions({ publicUrl: 'http://emulator:8787/api' })).toThrow('publicUrl');
  });

  it('names itself by the public URL in channel connectUris while listening on its host', async () => {
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      agents: 1,
      publicUrl: 'http://emulator.internal:8787/',
    });
    try {
      expect(emulator.url).toBe('http://emulator.internal:8787');
      const local = `http://127.0.0.1:${emulator.port}`;
      const token = await fetchToken(local, emulator.clientId, emulator.clientSecret);
      const res = await fetch(`${local}/api/v2/notifications/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.body.access_token ?? ''}` },
      });
      const channel = (await res.json()) as { id: string; connectUri: string };
      expect(channel.connectUri).toBe(`ws://emulator.internal:8787/channels/${channel.id}`);
    } finally {
      await emulator.close();
    }
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
