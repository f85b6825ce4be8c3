import type { StartedTestContainer } from 'testcontainers';

/** Stops the containers test/helpers/global-setup.ts started, if any. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as typeof globalThis & { __testContainers?: StartedTestContainer[] };
  const started = holder.__testContainers ?? [];
  holder.__testContainers = [];
  await Promise.all(started.map((c) => c.stop()));
}
