import { ReadinessRegistry, registerServiceReadiness } from './health';

describe('service readiness: catch-up progress', () => {
  const progress = (position: number, head: number, ratePerSecond: number) => ({
    position,
    head,
    behind: head - position,
    ratePerSecond,
    etaSeconds: head === position ? 0 : ratePerSecond > 0 ? Math.ceil((head - position) / ratePerSecond) : null,
  });

  function checks(projectionCheckpoint: number, rate: number) {
    const registry = new ReadinessRegistry();
    registerServiceReadiness(registry, 'svc', {
      store: { ping: async () => undefined, headPosition: async () => 50_000 },
      bus: {
        ping: async () => undefined,
        consumerProgress: () => [{ topic: 't', group: 'g', behind: 700, ratePerSecond: 350, etaSeconds: 2 }],
      },
      relay: { lag: async () => 20_000, progress: async () => progress(30_000, 50_000, 10_000) },
      projections: { checkpoint: projectionCheckpoint, failed: null, progress: async () => progress(projectionCheckpoint, 50_000, rate) },
    });
    return new Map(registry.entries());
  }

  it('reports events behind, rate and ETA of the relay and of the bus consumers', async () => {
    const c = checks(50_000, 0);
    expect(await c.get('svc.relay')!()).toEqual({ lag: 20_000, behind: 20_000, ratePerSecond: 10_000, etaSeconds: 2 });
    expect(await c.get('svc.bus')!()).toEqual({ consumers: [{ topic: 't', group: 'g', behind: 700, ratePerSecond: 350, etaSeconds: 2 }] });
    expect(await c.get('svc.read-models')!()).toEqual({ position: 50_000, lag: 0, behind: 0, ratePerSecond: 0, etaSeconds: 0 });
  });

  it('fails read models far behind with their progress in the reason and the details', async () => {
    const check = checks(10_000, 20_000).get('svc.read-models')!;
    await expect(check()).rejects.toMatchObject({
      message: 'read models are 40000 events behind (20000 events/s, about 2 s to go)',
      details: { position: 10_000, lag: 40_000, behind: 40_000, ratePerSecond: 20_000, etaSeconds: 2 },
    });
  });
});
