import { caughtUp, describeReaders, parseReadiness, ReadinessSnapshot, watchCatchUp } from './catch-up';

const body = (relayBehind: number, readModelsBehind: number, consumerBehind: number, status: 'up' | 'down' = 'up') => ({
  status: status === 'up' ? 'ok' : 'error',
  details: {
    'organization.store': { status: 'up' },
    'organization.bus': { status: 'up', consumers: [{ topic: 'identity.events.v1', group: 'organization', behind: consumerBehind, ratePerSecond: 100, etaSeconds: consumerBehind ? 1 : 0 }] },
    'organization.relay': { status: 'up', lag: relayBehind, behind: relayBehind, ratePerSecond: 20_000, etaSeconds: relayBehind ? Math.ceil(relayBehind / 20_000) : 0 },
    'organization.read-models':
      status === 'up'
        ? { status: 'up', position: 10, lag: readModelsBehind, behind: readModelsBehind, ratePerSecond: 0, etaSeconds: readModelsBehind ? null : 0 }
        : { status: 'down', reason: `read models are ${readModelsBehind} events behind`, lag: readModelsBehind, behind: readModelsBehind, ratePerSecond: 5000, etaSeconds: 2 },
  },
});

describe('orgctl catch-up', () => {
  it('reads every reader that reports progress out of /health/ready, including Kafka batch consumers and down checks', () => {
    const s = parseReadiness(503, body(40_000, 9000, 5, 'down'));
    expect(s.ready).toBe(false);
    expect(s.readers).toEqual([
      { name: 'organization.bus organization@identity.events.v1', behind: 5, ratePerSecond: 100, etaSeconds: 1 },
      { name: 'organization.relay', behind: 40_000, ratePerSecond: 20_000, etaSeconds: 2 },
      { name: 'organization.read-models', behind: 9000, ratePerSecond: 5000, etaSeconds: 2 },
    ]);
    expect(s.down).toEqual([{ name: 'organization.read-models', reason: 'read models are 9000 events behind' }]);
    expect(caughtUp(s)).toBe(false);
    expect(describeReaders(s)).toContain('organization.relay: 40,000 behind, 20,000/s, about 2 s left');
    expect(caughtUp(parseReadiness(200, body(0, 0, 0)))).toBe(true);
    expect(caughtUp(parseReadiness(200, body(0, 3, 0)))).toBe(false);
    expect(parseReadiness(503, 'not json')).toEqual({ ready: false, readers: [], down: [] });
  });

  it('draws one bar over what is left until everything has caught up, never going backwards', async () => {
    const answers: ReadinessSnapshot[] = [
      parseReadiness(503, body(30_000, 10_000, 0, 'down')),
      parseReadiness(503, body(10_000, 10_000, 0, 'down')),
      parseReadiness(200, body(0, 500, 0)),
      parseReadiness(200, body(0, 0, 0)),
    ];
    let t = 0;
    const out = { text: '', isTTY: false, write: (s: string) => (out.text += s) };
    const outcome = await watchCatchUp({
      poll: async () => answers.shift()!,
      out,
      intervalMs: 1,
      now: () => (t += 1000),
    });
    expect(outcome.kind).toBe('done');
    const lines = out.text.trim().split('\n');
    const percents = lines.map((l) => Number(/: (\d+)%/.exec(l)![1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[lines.length - 1]).toMatch(/^catching up: 100% 40,000\/40,000 events, [\d,]+ events\/s, 0:00 left$/);
  });

  it('stops when interrupted, saying where the readers were', async () => {
    const controller = new AbortController();
    const out = { text: '', isTTY: true, write: (s: string) => (out.text += s) };
    const watching = watchCatchUp({ poll: async () => parseReadiness(503, body(100, 0, 0, 'down')), out, intervalMs: 10_000, signal: controller.signal });
    controller.abort();
    const outcome = await watching;
    expect(outcome.kind).toBe('interrupted');
    expect(outcome.last.readers.find((r) => r.name === 'organization.relay')!.behind).toBe(100);
  });
});
