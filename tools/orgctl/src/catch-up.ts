import { ProgressBar, ProgressOutput } from './progress';

/** one reader of a log as /health/ready reports it (a relay, read models, a Kafka batch consumer) */
export interface ReaderProgress {
  name: string;
  behind: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

export interface ReadinessSnapshot {
  ready: boolean;
  readers: ReaderProgress[];
  /** checks that are down, with their reasons */
  down: { name: string; reason: string }[];
}

type Details = Record<string, { status?: string; reason?: string; behind?: unknown; ratePerSecond?: unknown; etaSeconds?: unknown; consumers?: unknown }>;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** reads the terminus answer of /health/ready (200 and 503 carry the same `details`) */
export function parseReadiness(status: number, body: unknown): ReadinessSnapshot {
  const details = ((body as { details?: unknown } | null)?.details ?? {}) as Details;
  const readers: ReaderProgress[] = [];
  const down: { name: string; reason: string }[] = [];
  for (const [name, d] of Object.entries(details)) {
    if (d?.status === 'down') down.push({ name, reason: String(d.reason ?? 'down') });
    if (isNumber(d?.behind)) {
      readers.push({ name, behind: d.behind, ratePerSecond: isNumber(d.ratePerSecond) ? d.ratePerSecond : 0, etaSeconds: isNumber(d.etaSeconds) ? d.etaSeconds : null });
    }
    if (Array.isArray(d?.consumers)) {
      for (const c of d.consumers as { topic?: unknown; group?: unknown; behind?: unknown; ratePerSecond?: unknown; etaSeconds?: unknown }[]) {
        if (!isNumber(c.behind)) continue;
        readers.push({
          name: `${name} ${String(c.group)}@${String(c.topic)}`,
          behind: c.behind,
          ratePerSecond: isNumber(c.ratePerSecond) ? c.ratePerSecond : 0,
          etaSeconds: isNumber(c.etaSeconds) ? c.etaSeconds : null,
        });
      }
    }
  }
  return { ready: status === 200, readers, down };
}

export const caughtUp = (s: ReadinessSnapshot) => s.ready && s.readers.every((r) => r.behind === 0);

export function describeReaders(s: ReadinessSnapshot): string {
  const lines = s.readers.map(
    (r) => `${r.name}: ${r.behind.toLocaleString('en-US')} behind, ${Math.round(r.ratePerSecond).toLocaleString('en-US')}/s` +
      (r.behind === 0 ? '' : r.etaSeconds === null ? ', not moving' : `, about ${r.etaSeconds} s left`),
  );
  for (const d of s.down) lines.push(`${d.name}: down (${d.reason})`);
  return lines.join('\n');
}

export interface WatchOptions {
  poll: () => Promise<ReadinessSnapshot>;
  out: ProgressOutput;
  intervalMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Polls readiness and draws one progress bar over everything the stack's readers still have to handle,
 * until the stack is ready and every reader has caught up (or the signal aborts).
 */
export async function watchCatchUp(options: WatchOptions): Promise<{ kind: 'done' | 'interrupted'; last: ReadinessSnapshot }> {
  const bar = new ProgressBar(options.out, 'catching up', { unit: 'events', now: options.now });
  let last = await options.poll();
  let total = last.readers.reduce((n, r) => n + r.behind, 0);
  bar.start(total);
  while (!caughtUp(last)) {
    if (options.signal?.aborted) {
      bar.abandon();
      return { kind: 'interrupted', last };
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      options.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (options.signal?.aborted) continue;
    last = await options.poll();
    const behind = last.readers.reduce((n, r) => n + r.behind, 0);
    // new appends while catching up make the job bigger: the bar never goes backwards
    const done = Math.max(0, total - behind);
    total = Math.max(total, done + behind);
    bar.update(done, done, total);
  }
  bar.update(total, total, total);
  bar.finish();
  return { kind: 'done', last };
}
