/**
 * Pure mapping between the EventStore port and @kurrent/kurrentdb-client: no I/O here, so it is unit-tested
 * without a server (kurrentdb.mapping.spec.ts). The adapter is kurrentdb.event-store.ts.
 *
 * Positions: the port's global position is the KurrentDB *commit* position, converted from bigint to a JS
 * number. A commit position is a byte offset in the server's transaction log; every event appended through
 * gRPC (single-stream appends, no legacy explicit transactions) gets its own commit position, equal to its
 * prepare position, strictly increasing in $all order. A JS number is exact up to 2^53 - 1 bytes (8 PiB of
 * log), which a single store will not reach; the conversion throws a RangeError rather than round.
 */
import type {
  AllStreamResolvedEvent,
  AppendStreamState,
  CurrentStreamState,
  EventData,
  JSONType,
  Position,
  ReadPosition,
  ReadRevision,
  ResolvedEvent,
  ErrorType,
} from '@kurrent/kurrentdb-client';
import { jsonEvent } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import {
  DuplicateEventIdError,
  EventMetadata,
  ExpectedRevision,
  NewEvent,
  ReadStreamOptions,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../event-store.port';

/** the server's "no position" value (u64::MAX), e.g. on stream reads from servers older than 22.6 */
export const UNSET_POSITION = 18446744073709551615n;

/** bigint (revision, commit position) → number; refuses values a JS number cannot hold exactly */
export function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`KurrentDB ${what} ${value} does not fit a JS number (0..2^53-1)`);
  }
  return Number(value);
}

/** a port position (number) as a KurrentDB $all position; 0 (or less) means the start of $all */
export function toReadPosition(after: number | undefined): ReadPosition {
  if (after === undefined || after <= 0) return 'start';
  if (!Number.isSafeInteger(after)) throw new RangeError(`position must be a safe integer, got ${after}`);
  const p = BigInt(after);
  return { commit: p, prepare: p };
}

/** the port's expected revision as the client's `streamState` option (the option is named streamState in 1.x) */
export function toStreamState(expected: ExpectedRevision | undefined): AppendStreamState {
  switch (expected) {
    case undefined:
    case 'any':
      return 'any';
    case 'no_stream':
      return 'no_stream';
    case 'stream_exists':
      return 'stream_exists';
    default:
      if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`expected revision must be 'any', 'no_stream', 'stream_exists' or an integer >= 0, got ${String(expected)}`);
      }
      return BigInt(expected);
  }
}

/** the server's current stream state (from a WrongExpectedVersionError) as the port's `actual` */
export function fromCurrentState(actual: CurrentStreamState | undefined): number | null {
  if (actual === undefined || actual === 'no_stream') return null;
  if (actual < 0n) return null;
  return toSafeNumber(actual, 'revision');
}

export function toWrongExpectedRevision(
  streamName: string,
  expected: ExpectedRevision,
  error: { actualState?: CurrentStreamState },
): WrongExpectedRevisionError {
  const mapped = new WrongExpectedRevisionError(streamName, expected, fromCurrentState(error.actualState));
  (mapped as { cause?: unknown }).cause = error;
  return mapped;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * KurrentDB event ids are UUIDs (the server answers them in lower case): a missing id gets a random UUID,
 * a UUID is lower-cased, anything else is refused here with a clear error instead of a server-side failure.
 */
export function normalizeEventId(id: string | undefined): string {
  if (id === undefined) return randomUUID();
  if (!UUID.test(id)) throw new TypeError(`KurrentDB event ids must be UUIDs, got ${JSON.stringify(id)}`);
  return id.toLowerCase();
}

/** a port event as the client's JSON event; data and metadata are stored as JSON like the SQLite adapter does */
export function toEventData(event: NewEvent, id: string): EventData {
  return jsonEvent({
    id,
    type: event.type,
    data: (event.data ?? null) as JSONType,
    metadata: (event.metadata ?? {}) as JSONType,
  });
}

/** `$`-prefixed streams ($stats-…, $$metadata, projections' $ce-…) and event types ($>, $metadata, …) are the server's */
export function isSystemEvent(event: { streamName: string; type: string }): boolean {
  return event.streamName.startsWith('$') || event.type.startsWith('$');
}

function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): number {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  if (commit === undefined || commit === UNSET_POSITION) return -1;
  return toSafeNumber(commit, 'commit position');
}

function toMetadata(metadata: unknown): EventMetadata {
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)
    ? (metadata as EventMetadata)
    : {};
}

/**
 * A client event as a port event, or null when the resolved event carries no event (an unresolved link).
 * `position` is -1 when the server did not report one (stream reads on servers older than 22.6).
 */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event) return null;
  return {
    id: event.id,
    type: event.type,
    data: event.data as unknown,
    metadata: toMetadata(event.metadata),
    streamName: event.streamId,
    revision: toSafeNumber(event.revision, 'revision'),
    position: positionOf(resolved),
    recordedAt: event.created.toISOString(),
  };
}

/** what a readStream call asks the client, or `empty` when the port's options select nothing */
export type StreamReadPlan =
  | { empty: true }
  | { empty: false; direction: 'forwards' | 'backwards'; fromRevision: ReadRevision; maxCount?: number };

/** SQLite semantics: forwards `revision >= from` (negative from = 0), backwards `revision <= from` (default: the end) */
export function planStreamRead(options: ReadStreamOptions = {}): StreamReadPlan {
  const maxCount = options.maxCount === undefined ? undefined : Math.floor(options.maxCount);
  if (maxCount !== undefined && maxCount <= 0) return { empty: true };
  if (options.direction === 'backwards') {
    if (options.fromRevision === undefined) return { empty: false, direction: 'backwards', fromRevision: 'end', maxCount };
    if (options.fromRevision < 0) return { empty: true };
    return { empty: false, direction: 'backwards', fromRevision: BigInt(Math.floor(options.fromRevision)), maxCount };
  }
  const from = Math.max(0, Math.ceil(options.fromRevision ?? 0));
  return { empty: false, direction: 'forwards', fromRevision: from === 0 ? 'start' : BigInt(from), maxCount };
}

/** the port's readAll: events strictly after `after`, no system events, at most maxCount, in $all order */
export function selectAfter(events: RecordedEvent[], after: number, maxCount: number): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  let last = after;
  for (const event of events) {
    if (out.length >= maxCount) break;
    if (isSystemEvent(event) || event.position <= last) continue;
    out.push(event);
    last = event.position;
  }
  return out;
}

/** the connection string without credentials, for error messages */
export function describeEndpoint(connectionString: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1').replace(/\?.*$/, '');
}

/** a short reason for an error message: the client's error type (`unavailable`, …) and any detail it carries */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const type = (error as { type?: unknown }).type;
  const message = error.message.trim();
  if (typeof type === 'string') {
    // errors from the client's native read path carry only their class name as message
    return message && !/^[A-Za-z]+Error$/.test(message) ? `${type}: ${message}` : type;
  }
  return message ? `${error.name}: ${message}` : error.name;
}

/** the shared deadline helper, re-exported for the adapter and its tests */
export { withTimeout } from '../async';

interface KnownEvent {
  streamName: string;
  revision: number;
  /** known for the last event of an append (the server answers only that one); null for the others */
  position: number | null;
}

/**
 * Event ids this process appended recently, to give the port's id semantics (SQLite's `retriedAppend`)
 * where KurrentDB has no global index by event id:
 * - the same ids appended again to the same stream at the same revisions → a retry: the first result;
 * - an id known at another stream or revision (or repeated in one batch) → DuplicateEventIdError.
 * Bounded (oldest forgotten first) and per process: see the adapter's notes for what the server covers.
 */
export class RecentEventIds {
  private readonly byId = new Map<string, KnownEvent>();

  constructor(private readonly capacity = 10_000) {}

  get size() {
    return this.byId.size;
  }

  /** the last event of the append being retried (its position may be unknown), null for a new append */
  retried(streamName: string, ids: string[]): { revision: number; position: number | null } | null {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) throw new DuplicateEventIdError(id, streamName);
      seen.add(id);
    }
    const first = this.byId.get(ids[0]);
    if (!first) {
      for (const id of ids.slice(1)) if (this.byId.has(id)) throw new DuplicateEventIdError(id, streamName);
      return null;
    }
    let last = first;
    for (let i = 0; i < ids.length; i++) {
      const found = this.byId.get(ids[i]);
      if (!found || found.streamName !== streamName || found.revision !== first.revision + i) {
        throw new DuplicateEventIdError(ids[i], streamName);
      }
      last = found;
    }
    return { revision: last.revision, position: last.position };
  }

  /** records an append: ids[i] is at revision lastRevision - (ids.length - 1) + i, the last one at lastPosition */
  remember(streamName: string, ids: string[], lastRevision: number, lastPosition: number | null) {
    const firstRevision = lastRevision - ids.length + 1;
    ids.forEach((id, i) => {
      const isLast = i === ids.length - 1;
      const previous = this.byId.get(id);
      this.byId.delete(id);
      this.byId.set(id, {
        streamName,
        revision: firstRevision + i,
        position: isLast ? lastPosition : (previous?.position ?? null),
      });
    });
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
  }

  /** the position learnt later for an event whose position was unknown */
  learnPosition(id: string, position: number) {
    const known = this.byId.get(id);
    if (known && known.position === null && position >= 0) known.position = position;
  }
}

/** the $all position of an event as the client wants it back (for continuing a read after it) */
export function allPosition(position: number): Position {
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

/** the multi-stream append API takes metadata as string properties only */
export function toStringProperties(metadata: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== undefined) out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** drains a client read into port events (skipping unresolved links) */
export async function collect(read: AsyncIterable<ResolvedEvent | AllStreamResolvedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const resolved of read) {
    const event = toRecordedEvent(resolved);
    if (event) out.push(event);
  }
  return out;
}

/** the client's errors carry a `type` (ErrorType); checked by type rather than class */
export function isErrorOfType(error: unknown, type: ErrorType): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === type;
}
