import path from 'node:path';
import type { EmulatorOrgSummary } from '../../src/emulator/emulator-admin';
import type { EmulatorOptions } from '../../src/emulator/emulator-options';
import type { EmulatorFaults } from '../../src/emulator/fault-state';
import { hookPath } from './ts-hook';
import { ChildNode } from './worker-process';

interface ReadyMessage {
  type: 'ready';
  url: string;
  clientId: string;
  clientSecret: string;
}

interface ResultMessage {
  type: 'result';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface AgentPresence {
  userId: string;
  definitionId: string;
  modifiedAt: number;
}

const isReady = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && (m as ReadyMessage).type === 'ready';

/** Options that can cross a process boundary (no clock function). */
export type EmulatorProcessOptions = Omit<EmulatorOptions, 'now' | 'port' | 'host'>;

/**
 * The emulator of a benchmark, in its own process (bench/lib/emulator-child.ts) on a free loopback port, with its
 * admin operations (call counters, presences, faults) over IPC.
 */
export class EmulatorProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildNode,
    readonly url: string,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {
    child.onMessage((m) => {
      const message = m as ResultMessage;
      if (message?.type !== 'result') {
        return;
      }
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) {
        return;
      }
      this.pending.delete(message.id);
      if (message.ok) {
        waiter.resolve(message.value);
      } else {
        waiter.reject(new Error(`emulator: ${message.error ?? 'failed'}`));
      }
    });
  }

  static async start(options: EmulatorProcessOptions, logFile: string): Promise<EmulatorProcess> {
    const child = await ChildNode.start({
      label: 'emulator',
      args: ['--require', hookPath, path.join(__dirname, 'emulator-child.ts')],
      env: { BENCH_EMULATOR_OPTIONS: JSON.stringify({ ...options, port: 0, host: '127.0.0.1' }) },
      logFile,
      isReady,
    });
    const ready = child.readyMessage as ReadyMessage;
    return new EmulatorProcess(child, ready.url, ready.clientId, ready.clientSecret);
  }

  private call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ type: 'call', id, op, args });
    });
  }

  org(): Promise<EmulatorOrgSummary> {
    return this.call('org');
  }

  agentIds(): Promise<string[]> {
    return this.call('agentIds');
  }

  /** Calls per route (`METHOD /route`), including the ones answered 429. */
  calls(): Promise<Record<string, number>> {
    return this.call('calls');
  }

  resetCalls(): Promise<void> {
    return this.call('resetCalls');
  }

  setFaults(partial: Partial<EmulatorFaults>): Promise<EmulatorFaults> {
    return this.call('setFaults', partial);
  }

  presences(userIds?: readonly string[]): Promise<AgentPresence[]> {
    return this.call('presences', userIds);
  }

  rssMiB(): Promise<number> {
    return this.call('rssMiB');
  }

  get pid(): number {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    await this.child.stop();
    for (const waiter of this.pending.values()) {
      waiter.reject(new Error('emulator stopped'));
    }
    this.pending.clear();
  }
}

/** Sum of calls whose key matches `pattern` (e.g. /^PUT \/api\/v2\/users\/presences\/bulk$/). */
export function sumCalls(calls: Record<string, number>, pattern?: RegExp): number {
  return Object.entries(calls)
    .filter(([k]) => pattern === undefined || pattern.test(k))
    .reduce((sum, [, n]) => sum + n, 0);
}
