import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths whose values never reach a log line (tokens, secrets, API keys, Authorization headers). */
export const REDACT_PATHS = [
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'apiKey',
  'authorization',
  'Authorization',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.Authorization',
  'config.headers.Authorization',
  'err.config.headers.Authorization',
];

export interface LoggerOptions {
  level: string;
  name?: string;
}

/** One pino logger for the process; pass it in, derive child loggers with ids. */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const pinoOptions = {
    name: options.name ?? 'presence-worker',
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}
