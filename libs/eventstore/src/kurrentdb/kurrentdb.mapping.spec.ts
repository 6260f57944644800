import type { AllStreamResolvedEvent, ResolvedEvent } from '@kurrent/kurrentdb-client';
import { DuplicateEventIdError, RecordedEvent, WrongExpectedRevisionError } from '../event-store.port';
import {
  allPosition,
  describeEndpoint,
  describeError,
  fromCurrentState,
  isSystemEvent,
  normalizeEventId,
  planStreamRead,
  RecentEventIds,
  selectAfter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toSafeNumber,
  toStreamState,
  toWrongExpectedRevision,
  UNSET_POSITION,
  withTimeout,
} from './kurrentdb.mapping';

const ID = '0b3c2a8e-5d1f-4c6a-9e2b-7f8a9b0c1d2e';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('kurrentdb mapping: numbers and positions', () => {
  it('converts bigints that fit a JS number and refuses the others', () => {
    expect(toSafeNumber(0n, 'revision')).toBe(0);
    expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), 'commit position')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'commit position')).toThrow(RangeError);
    expect(() => toSafeNumber(-1n, 'revision')).toThrow(RangeError);
    expect(() => toSafeNumber(UNSET_POSITION, 'commit position')).toThrow(/does not fit/);
  });

  it('reads $all from the start for no checkpoint and from the commit position otherwise', () => {
    expect(toReadPosition(undefined)).toBe('start');
    expect(toReadPosition(0)).toBe('start');
    expect(toReadPosition(-5)).toBe('start');
    expect(toReadPosition(1234)).toEqual({ commit: 1234n, prepare: 1234n });
    expect(() => toReadPosition(1.5)).toThrow(RangeError);
    expect(allPosition(99)).toEqual({ commit: 99n, prepare: 99n });
  });
});

describe('kurrentdb mapping: expected revisions', () => {
  it('maps the port expected revision to the client streamState', () => {
    expect(toStreamState(undefined)).toBe('any');
    expect(toStreamState('any')).toBe('any');
    expect(toStreamState('no_stream')).toBe('no_stream');
    expect(toStreamState('stream_exists')).toBe('stream_exists');
    expect(toStreamState(0)).toBe(0n);
    expect(toStreamState(41)).toBe(41n);
  });

  it('refuses revisions the server cannot take', () => {
    expect(() => toStreamState(-1)).toThrow(RangeError);
    expect(() => toStreamState(1.5)).toThrow(RangeError);
    expect(() => toStreamState(Number.NaN)).toThrow(RangeError);
    expect(() => toStreamState('nope' as never)).toThrow(RangeError);
  });

  it('maps the current stream state of a conflict to the port actual revision', () => {
    expect(fromCurrentState('no_stream')).toBeNull();
    expect(fromCurrentState(undefined)).toBeNull();
    expect(fromCurrentState(-1n)).toBeNull();
    expect(fromCurrentState(0n)).toBe(0);
    expect(fromCurrentState(7n)).toBe(7);
  });

  it('turns a WrongExpectedVersionError into the port error with the expected value as given', () => {
    const cause = { actualState: 3n };
    const error = toWrongExpectedRevision('s-1', 1, cause);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamName: 's-1', expected: 1, actual: 3 });
    expect((error as { cause?: unknown }).cause).toBe(cause);
    expect(toWrongExpectedRevision('s-2', 'stream_exists', { actualState: 'no_stream' })).toMatchObject({
      expected: 'stream_exists',
      actual: null,
    });
  });
});

describe('kurrentdb mapping: events written', () => {
  it('keeps UUID ids (lower-cased), generates missing ones, refuses others', () => {
    expect(normalizeEventId(ID)).toBe(ID);
    expect(normalizeEventId(ID.toUpperCase())).toBe(ID);
    expect(normalizeEventId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(normalizeEventId(undefined)).not.toBe(normalizeEventId(undefined));
    expect(() => normalizeEventId('order-1')).toThrow(/must be UUIDs/);
  });

  it('writes data and metadata as JSON, with the SQLite defaults', () => {
    const full = toEventData({ type: 'A', data: { n: 1 }, metadata: { actor: 'u1' } }, ID);
    expect(full).toEqual({ id: ID, contentType: 'application/json', type: 'A', data: { n: 1 }, metadata: { actor: 'u1' } });
    const bare = toEventData({ type: 'B', data: undefined }, ID);
    expect(bare).toMatchObject({ data: null, metadata: {} });
  });
});

describe('kurrentdb mapping: events read', () => {
  const created = new Date('2025-01-02T03:04:05.678Z');
  const resolved = (over: Partial<Record<string, unknown>> = {}, outer: Partial<AllStreamResolvedEvent> = {}) =>
    ({
      event: {
        streamId: 'order-1',
        id: ID,
        isJson: true,
        revision: 4n,
        type: 'OrderPlaced',
        created,
        data: { total: 10 },
        metadata: { actor: 'u1' },
        position: { commit: 5000n, prepare: 5000n },
        ...over,
      },
      ...outer,
    }) as AllStreamResolvedEvent;

  it('maps a recorded event to the port shape', () => {
    expect(toRecordedEvent(resolved())).toEqual<RecordedEvent>({
      id: ID,
      type: 'OrderPlaced',
      data: { total: 10 },
      metadata: { actor: 'u1' },
      streamName: 'order-1',
      revision: 4,
      position: 5000,
      recordedAt: '2025-01-02T03:04:05.678Z',
    });
  });

  it('falls back to the resolved commit position, and to -1 when the server sent none', () => {
    expect(toRecordedEvent(resolved({ position: undefined }, { commitPosition: 77n }))?.position).toBe(77);
    expect(toRecordedEvent(resolved({ position: undefined }))?.position).toBe(-1);
    expect(toRecordedEvent(resolved({ position: { commit: UNSET_POSITION, prepare: UNSET_POSITION } }))?.position).toBe(-1);
  });

  it('reads missing or non-object metadata as {}', () => {
    expect(toRecordedEvent(resolved({ metadata: undefined }))?.metadata).toEqual({});
    expect(toRecordedEvent(resolved({ metadata: new Uint8Array([1, 2]) }))?.metadata).toEqual({});
    expect(toRecordedEvent(resolved({ metadata: ['x'] }))?.metadata).toEqual({});
  });

  it('skips a resolved event without an event (an unresolved link)', () => {
    expect(toRecordedEvent({ commitPosition: 1n } as ResolvedEvent)).toBeNull();
  });

  it('recognises system streams and system event types', () => {
    expect(isSystemEvent({ streamName: '$stats-127.0.0.1:2113', type: '$statsCollected' })).toBe(true);
    expect(isSystemEvent({ streamName: '$$order-1', type: '$metadata' })).toBe(true);
    expect(isSystemEvent({ streamName: '$ce-order', type: 'OrderPlaced' })).toBe(true);
    expect(isSystemEvent({ streamName: 'order-1', type: '$>' })).toBe(true);
    expect(isSystemEvent({ streamName: 'order-1', type: 'OrderPlaced' })).toBe(false);
  });
});

describe('kurrentdb mapping: stream reads', () => {
  it('reads forwards from the start by default and backwards from the end', () => {
    expect(planStreamRead()).toEqual({ empty: false, direction: 'forwards', fromRevision: 'start', maxCount: undefined });
    expect(planStreamRead({ fromRevision: 2, maxCount: 2 })).toEqual({
      empty: false,
      direction: 'forwards',
      fromRevision: 2n,
      maxCount: 2,
    });
    expect(planStreamRead({ direction: 'backwards', maxCount: 2 })).toEqual({
      empty: false,
      direction: 'backwards',
      fromRevision: 'end',
      maxCount: 2,
    });
    expect(planStreamRead({ direction: 'backwards', fromRevision: 1 })).toEqual({
      empty: false,
      direction: 'backwards',
      fromRevision: 1n,
      maxCount: undefined,
    });
  });

  it('answers like SQLite at the edges: no count, negative revisions', () => {
    expect(planStreamRead({ maxCount: 0 })).toEqual({ empty: true });
    expect(planStreamRead({ direction: 'backwards', fromRevision: -1 })).toEqual({ empty: true });
    expect(planStreamRead({ fromRevision: -3 })).toMatchObject({ empty: false, fromRevision: 'start' });
    expect(planStreamRead({ maxCount: 2.7 })).toMatchObject({ empty: false, maxCount: 2 });
    expect(planStreamRead({ maxCount: 0.5 })).toEqual({ empty: true });
  });
});

describe('kurrentdb mapping: $all reads', () => {
  const at = (position: number, streamName = 's-1', type = 'A') => ({ position, streamName, type }) as RecordedEvent;

  it('keeps events strictly after the checkpoint, without system events, up to maxCount', () => {
    const page = [at(100), at(150, '$stats-x', '$statsCollected'), at(200), at(250, '$ce-s', 'A'), at(300), at(400)];
    expect(selectAfter(page, 100, 10).map((e) => e.position)).toEqual([200, 300, 400]);
    expect(selectAfter(page, 0, 2).map((e) => e.position)).toEqual([100, 200]);
    expect(selectAfter(page, 400, 10)).toEqual([]);
  });

  it('never hands out a position twice or out of order', () => {
    expect(selectAfter([at(10), at(10), at(5), at(20)], 0, 10).map((e) => e.position)).toEqual([10, 20]);
  });
});

describe('kurrentdb mapping: recent event ids (retries and reused ids)', () => {
  it('treats unknown ids as a new append', () => {
    const ids = new RecentEventIds();
    expect(ids.retried('s-1', [id(1), id(2)])).toBeNull();
  });

  it('answers a retry of the same ids in the same stream with the first result', () => {
    const ids = new RecentEventIds();
    ids.remember('s-1', [id(1), id(2)], 1, 900);
    expect(ids.retried('s-1', [id(1), id(2)])).toEqual({ revision: 1, position: 900 });
    // a retry of the first part of the batch: the position of the middle event was never reported
    expect(ids.retried('s-1', [id(1)])).toEqual({ revision: 0, position: null });
    ids.learnPosition(id(1), 850);
    expect(ids.retried('s-1', [id(1)])).toEqual({ revision: 0, position: 850 });
  });

  it('refuses an id reused in another stream, at another revision, or out of order', () => {
    const ids = new RecentEventIds();
    ids.remember('s-1', [id(1), id(2)], 5, 900);
    expect(() => ids.retried('s-2', [id(1)])).toThrow(DuplicateEventIdError);
    expect(() => ids.retried('s-1', [id(2), id(1)])).toThrow(DuplicateEventIdError);
    expect(() => ids.retried('s-1', [id(1), id(2), id(3)])).toThrow(DuplicateEventIdError);
    expect(() => ids.retried('s-1', [id(3), id(2)])).toThrow(DuplicateEventIdError);
    expect(() => ids.retried('s-9', [id(7), id(1)])).toThrow(
      expect.objectContaining({ eventId: id(1), streamName: 's-9' }) as unknown as Error,
    );
  });

  it('refuses an id repeated within one append', () => {
    expect(() => new RecentEventIds().retried('s-1', [id(1), id(1)])).toThrow(DuplicateEventIdError);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const ids = new RecentEventIds(3);
    ids.remember('s-1', [id(1), id(2)], 1, 10);
    ids.remember('s-2', [id(3), id(4)], 1, 20);
    expect(ids.size).toBe(3);
    expect(ids.retried('s-9', [id(1)])).toBeNull();
    expect(() => ids.retried('s-9', [id(2)])).toThrow(DuplicateEventIdError);
  });
});

describe('kurrentdb mapping: error context', () => {
  it('describes the endpoint without credentials or options', () => {
    expect(describeEndpoint('kurrentdb://admin:changeit@db.local:2113?tls=true')).toBe('kurrentdb://db.local:2113');
    expect(describeEndpoint('kurrentdb+discover://node1:2113,node2:2113?tls=false')).toBe('kurrentdb+discover://node1:2113,node2:2113');
    expect(describeEndpoint('kurrentdb://127.0.0.1:1?tls=false')).toBe('kurrentdb://127.0.0.1:1');
  });

  it('describes client errors by their type and detail', () => {
    const bridge = Object.assign(new Error('UnavailableError'), { type: 'unavailable' });
    expect(describeError(bridge)).toBe('unavailable');
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { type: 'unavailable' });
    expect(describeError(grpc)).toBe('unavailable: 14 UNAVAILABLE: No connection established');
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError('plain')).toBe('plain');
  });

  it('bounds a call that does not settle, and lets a fast one through', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, () => new Error('slow'))).rejects.toThrow('slow');
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error('slow'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, () => new Error('slow'))).rejects.toThrow('boom');
  });
});
