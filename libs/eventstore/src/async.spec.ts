import { Backoff, sleep, withTimeout } from './async';
import { catchUpProgress, ThroughputMeter } from './catch-up';

describe('withTimeout', () => {
  it('rejects with the given message when the work does not settle in time', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'too slow')).rejects.toThrow('too slow');
  });
  it('rejects with the error the factory builds', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, () => new TypeError('late'))).rejects.toBeInstanceOf(TypeError);
  });
  it('passes the result and the failure of work that settles in time through', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });
});

describe('sleep', () => {
  it('waits the given time', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
  it('returns at once when its signal aborts, or was aborted already', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('Backoff', () => {
  it('doubles up to the maximum and starts again after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 500 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 500, 500]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});

describe('catch-up progress', () => {
  it('measures the rate over the window and estimates the time left', () => {
    const meter = new ThroughputMeter(10);
    const t0 = 1_000_000_000_000;
    for (let s = 0; s < 10; s++) meter.record(1000, t0 + s * 1000);
    expect(meter.ratePerSecond(t0 + 10_000)).toBeCloseTo(1000, -1);
    expect(catchUpProgress(4000, 24_000, 1000)).toEqual({ position: 4000, head: 24_000, behind: 20_000, ratePerSecond: 1000, etaSeconds: 20 });
  });
  it('forgets what is older than the window: an idle reader has rate 0 and no estimate while behind', () => {
    const meter = new ThroughputMeter(10);
    meter.record(5000, 0);
    expect(meter.ratePerSecond(60_000)).toBe(0);
    expect(catchUpProgress(10, 20, 0)).toMatchObject({ behind: 10, etaSeconds: null });
    expect(catchUpProgress(20, 20, 0)).toMatchObject({ behind: 0, etaSeconds: 0 });
  });
});
