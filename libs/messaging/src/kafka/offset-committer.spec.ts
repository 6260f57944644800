import { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { OffsetCommitTarget, OffsetCommitter } from './offset-committer';

/** a consumer whose commits are recorded and can be held back or failed */
function fakeConsumer() {
  const commits: string[][] = [];
  let gate: Promise<void> | null = null;
  let open: (() => void) | null = null;
  let failNext = 0;
  const target: OffsetCommitTarget = {
    async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]) {
      const record = offsets.map((o) => `${o.topic}[${o.partition}]@${o.offset}`);
      if (gate) await gate;
      if (failNext > 0) {
        failNext--;
        throw new Error('broker said no');
      }
      commits.push(record);
    },
  };
  return {
    target,
    commits,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      gate = null;
      open?.();
    },
    failNext(n: number) {
      failNext = n;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** waits (up to 2 s, a loaded machine delays timers) until `done` holds */
async function until(done: () => boolean) {
  for (const deadline = Date.now() + 2000; !done() && Date.now() < deadline; ) await sleep(5);
}

describe('OffsetCommitter', () => {
  it('commits the first handled offset at once, then coalesces: one request per interval with the latest offset per partition', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 40 });
    committer.handled(c.target, 0, '0');
    await sleep(0);
    expect(c.commits).toEqual([['t[0]@1']]);
    for (let i = 1; i <= 50; i++) committer.handled(c.target, 0, String(i));
    committer.handled(c.target, 2, '7');
    committer.handled(c.target, 2, '8');
    expect(c.commits).toHaveLength(1);
    await until(() => c.commits.length >= 2);
    expect(c.commits).toEqual([['t[0]@1'], ['t[0]@51', 't[2]@9']]);
    expect(committer.pending()).toEqual([]);
    await committer.close();
    expect(c.commits).toHaveLength(2); // nothing new: no request
  });

  it('never sends two commits at once, and commits what came meanwhile right after', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 10 });
    c.hold();
    committer.handled(c.target, 1, '0');
    await sleep(30);
    for (let i = 1; i < 5; i++) committer.handled(c.target, 1, String(i));
    await sleep(30);
    expect(c.commits).toEqual([]); // the first one is still in flight
    c.release();
    await until(() => c.commits.length >= 2);
    expect(c.commits).toEqual([['t[1]@1'], ['t[1]@5']]);
    await committer.close();
  });

  it('keeps the highest handled offset of a partition (a redelivered earlier message does not move it back)', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 1000 });
    c.hold();
    committer.handled(c.target, 0, '9');
    committer.handled(c.target, 0, '3');
    expect(committer.pending()).toEqual([{ partition: 0, offset: '10' }]);
    c.release();
    await committer.close();
    expect(c.commits).toEqual([['t[0]@10']]);
  });

  it('flush() commits what is pending now, without waiting for the interval', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 60_000 });
    committer.handled(c.target, 0, '0');
    committer.handled(c.target, 0, '1');
    await sleep(0);
    expect(c.commits).toEqual([['t[0]@1']]);
    await committer.flush();
    expect(c.commits).toEqual([['t[0]@1'], ['t[0]@2']]);
    await committer.close();
  });

  it('keeps failed offsets pending and retries them with a backoff', async () => {
    const c = fakeConsumer();
    const errors: string[] = [];
    const committer = new OffsetCommitter({
      topic: 't',
      intervalMs: 10,
      onError: (error, offsets) => errors.push(`${(error as Error).message}: ${offsets.map((o) => o.offset).join(',')}`),
    });
    c.failNext(2);
    committer.handled(c.target, 0, '4');
    await until(() => c.commits.length >= 1);
    expect(errors).toEqual(['broker said no: 5', 'broker said no: 5']);
    expect(c.commits).toEqual([['t[0]@5']]);
    expect(committer.stats).toEqual({ commits: 1, offsets: 1, failures: 2 });
    await committer.close();
  });

  it('on a new assignment, drops the progress of partitions that went to another member and commits the rest', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 60_000 });
    c.hold();
    committer.handled(c.target, 0, '0'); // in flight
    committer.handled(c.target, 0, '5');
    committer.handled(c.target, 1, '7');
    committer.handled(c.target, 2, '3');
    c.release();
    await committer.assigned([0, 2]);
    expect(c.commits).toEqual([['t[0]@1'], ['t[0]@6', 't[2]@4']]);
    expect(committer.pending()).toEqual([]);
    await committer.close();
  });

  it('after a crash, waits for the next assignment instead of retrying through the dead consumer', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 10 });
    committer.suspend();
    committer.handled(c.target, 0, '0');
    await sleep(50);
    expect(c.commits).toEqual([]);
    await committer.assigned([0]);
    expect(c.commits).toEqual([['t[0]@1']]);
    await committer.close();
  });

  it('commits nothing after close() but what close() flushed', async () => {
    const c = fakeConsumer();
    const committer = new OffsetCommitter({ topic: 't', intervalMs: 10 });
    committer.handled(c.target, 0, '0');
    committer.handled(c.target, 0, '1');
    await committer.close();
    expect(c.commits).toEqual([['t[0]@1'], ['t[0]@2']]);
    committer.handled(c.target, 0, '2'); // a handler that finished late: committed by nobody, delivered again
    await sleep(40);
    expect(c.commits).toHaveLength(2);
  });
});
