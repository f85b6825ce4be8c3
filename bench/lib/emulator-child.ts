/**
 * The Genesys Cloud emulator in a child process of a benchmark (beside the service, as in a real deployment, so
 * its CPU is not the measuring process's). Options come as JSON in BENCH_EMULATOR_OPTIONS; it announces
 * `{type: 'ready', url, clientId, clientSecret}` over IPC and answers `{type: 'call', id, op, args}` with
 * `{type: 'result', id, ok, value | error}` (ops: see EmulatorProcess). SIGTERM closes it.
 */
import type { EmulatorOptions } from '../../src/emulator/emulator-options';
import { startEmulator, type RunningEmulator } from '../../src/emulator/start-emulator';
import type { EmulatorFaults } from '../../src/emulator/fault-state';

interface CallMessage {
  type: 'call';
  id: number;
  op: string;
  args: unknown[];
}

function isCall(m: unknown): m is CallMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'call';
}

function operations(emulator: RunningEmulator): Record<string, (...args: never[]) => unknown> {
  const { admin } = emulator;
  return {
    org: () => admin.org(),
    agentIds: () => admin.agentIds(),
    calls: () => admin.calls(),
    resetCalls: () => admin.resetCalls(),
    setFaults: (partial: Partial<EmulatorFaults>) => admin.setFaults(partial),
    /** Current presence definition id and modification time of each agent (all agents when none given). */
    presences: (userIds?: string[]) =>
      (userIds ?? admin.agentIds()).map((userId) => {
        const p = admin.presence(userId);
        return { userId, definitionId: p.definitionId, modifiedAt: p.modifiedAt };
      }),
    rssMiB: () => process.memoryUsage().rss / 1024 / 1024,
  };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_EMULATOR_OPTIONS ?? '{}') as EmulatorOptions;
  const emulator = await startEmulator(options);
  const ops = operations(emulator);
  process.on('message', (message: unknown) => {
    if (!isCall(message)) {
      return;
    }
    const op = ops[message.op];
    try {
      if (op === undefined) {
        throw new Error(`unknown emulator op ${message.op}`);
      }
      const value = (op as (...args: unknown[]) => unknown)(...message.args);
      process.send?.({ type: 'result', id: message.id, ok: true, value });
    } catch (err) {
      process.send?.({
        type: 'result',
        id: message.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  });
  process.send?.({
    type: 'ready',
    url: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
  const stop = (): void => {
    void emulator.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
