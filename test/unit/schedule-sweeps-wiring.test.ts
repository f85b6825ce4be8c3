import type { GenesysClient } from '../../src/genesys/genesys-client';
import type { PresenceProducer } from '../../src/jobs/presence-producer';
import type { SweepsDeps } from '../../src/workers/scheduler-sweeps';

describe('sweeps wiring', () => {
  it('takes the Genesys client and the pipeline producer as they are (checked by the type checker)', () => {
    const client = (c: GenesysClient): SweepsDeps['genesys'] => c;
    const producer = (p: PresenceProducer): SweepsDeps['producer'] => p;
    expect([typeof client, typeof producer]).toEqual(['function', 'function']);
  });
});
