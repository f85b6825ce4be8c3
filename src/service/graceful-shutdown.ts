import type { Logger } from 'pino';

export interface GracefulShutdownOptions {
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Longest drain before giving up (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  signals?: readonly NodeJS.Signals[];
  /** How the process ends when the drain overruns or a second signal arrives (tests replace it). */
  forceExit?: (code: number) => void;
}

/**
 * Resolves with an exit code once a SIGTERM/SIGINT has been handled: `stop()` runs (drain, then close in
 * order); 0 when it finished within `timeoutMs`. If it overruns, or a second signal arrives while
 * draining, the process is ended with code 1 (PM2 / Kubernetes would SIGKILL it anyway a bit later).
 */
export function untilShutdown(stop: () => Promise<void>, options: GracefulShutdownOptions): Promise<number> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code));
  return new Promise<number>((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (draining) {
        options.logger.warn({ signal }, 'second signal while draining: exiting now');
        forceExit(1);
        return;
      }
      draining = true;
      options.logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: draining');
      const timer = setTimeout(() => {
        options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown did not finish in time: exiting');
        forceExit(1);
      }, options.timeoutMs);
      stop().then(
        () => {
          clearTimeout(timer);
          for (const s of signals) {
            process.removeListener(s, onSignal);
          }
          options.logger.info('shutdown complete');
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          options.logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    for (const s of signals) {
      process.on(s, onSignal);
    }
  });
}
