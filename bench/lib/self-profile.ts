import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A CPU profile of this process (the bench process: producer, emulator admin, measuring) over part of a run,
 * through the inspector, written as a `.cpuprofile` like `node --cpu-prof` writes for the service processes.
 */
export class SelfProfile {
  private constructor(private readonly session: Session) {}

  static async start(): Promise<SelfProfile> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    return new SelfProfile(session);
  }

  async stop(file: string): Promise<void> {
    try {
      const { profile } = await this.session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
    } finally {
      this.session.disconnect();
    }
  }
}
