import { EventStore, PostgresLeases, RecordedEvent } from '@lib/eventstore';

export interface CopyProgress {
  copied: number;
  /** position of the last copied event in the source log */
  sourcePosition: number;
}

/**
 * Copies a service's whole log from one event store into another, in global order: every event keeps its id,
 * stream, revision, type, data and metadata (its position and recordedAt are the target's). Consecutive events
 * of one stream go in one append with the expected revision, so the target refuses to interleave them with
 * anything else. A rerun (after an interruption, or to catch up before the cut-over) appends nothing twice:
 * what the target already holds is skipped after checking that it holds the same event ids; a stream the
 * target holds under other ids stops the copy with an error naming it.
 */
export async function copyLog(source: EventStore, target: EventStore, onProgress?: (p: CopyProgress) => void): Promise<CopyProgress> {
  let after = 0;
  let copied = 0;
  for (;;) {
    const page = await source.readAll({ after, maxCount: 2000 });
    if (page.length === 0) break;
    for (const whole of runsByStream(page)) {
      const run = await notYetCopied(target, whole);
      if (run.length === 0) continue;
      const first = run[0];
      await target.append(
        first.streamName,
        run.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: first.revision === 0 ? 'no_stream' : first.revision - 1 },
      );
      copied += run.length;
    }
    after = page[page.length - 1].position;
    onProgress?.({ copied, sourcePosition: after });
  }
  return { copied, sourcePosition: after };
}

/** the part of a run the target does not hold yet; the part it holds must be the same events */
async function notYetCopied(target: EventStore, run: RecordedEvent[]): Promise<RecordedEvent[]> {
  const current = await target.streamRevision(run[0].streamName);
  if (current === null || current < run[0].revision) return run;
  const held = await target.readStream(run[0].streamName, { fromRevision: run[0].revision, maxCount: run.length });
  for (const e of held) {
    const mine = run.find((r) => r.revision === e.revision);
    if (mine && mine.id !== e.id) {
      throw new Error(`stream ${e.streamName} revision ${e.revision}: the target holds event ${e.id}, the source ${mine.id}`);
    }
  }
  return run.filter((e) => e.revision > current);
}

/** consecutive events of the same stream, at consecutive revisions */
function runsByStream(events: RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  for (const e of events) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (last && last.streamName === e.streamName && last.revision + 1 === e.revision && run.length < 500) run.push(e);
    else runs.push([e]);
  }
  return runs;
}

/**
 * After a clean stop of the old service (its relay flushed everything it had), the new replicas need not
 * publish the copied log again: the relay's shared checkpoint is set to the target's head.
 */
export async function markRelayPublished(leases: PostgresLeases, service: string, head: number) {
  await leases.saveCheckpoint(`relay:${service}`, head);
}
