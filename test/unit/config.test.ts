import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, renderConfigMarkdown, SETTINGS } from '../../src/config';

describe('config', () => {
  it('parses the defaults into a frozen config', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.MANAGED_USER_IDS).toEqual([]);
    expect(config.BULL_BOARD_READ_ONLY).toBe(false);
  });

  it('names every bad variable and what is wrong with it', () => {
    let error: unknown;
    try {
      loadConfig({ HTTP_PORT: '70000', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/HTTP_PORT="70000"/);
    expect(problems.join('\n')).toMatch(/REDIS_URL="http:\/\/x": must be a redis/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
  });

  it('never echoes the value of a secret setting in an error', () => {
    expect(() => loadConfig({ AUDIT_DATABASE_URL: 'not a url with p4ssw0rd' })).toThrow(ConfigError);
    try {
      loadConfig({ AUDIT_DATABASE_URL: 'not a url with p4ssw0rd' });
    } catch (err) {
      expect((err as Error).message).toContain('AUDIT_DATABASE_URL');
      expect((err as Error).message).not.toContain('p4ssw0rd');
    }
  });

  it('parses comma-separated id lists', () => {
    expect(loadConfig({ MANAGED_USER_IDS: ' a, b ,,c ' }).MANAGED_USER_IDS).toEqual(['a', 'b', 'c']);
  });

  it('gives every setting a description', () => {
    for (const [name, s] of Object.entries(SETTINGS)) {
      expect({ name, ok: s.description.length > 10 }).toEqual({ name, ok: true });
    }
  });

  it('docs/configuration.md matches the schema', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(doc).toBe(renderConfigMarkdown());
  });
});
