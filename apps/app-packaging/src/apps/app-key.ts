import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AggregateBatch, AggregateRepository, assertNever, Decider, DomainError, EventMetadata, EventStore, WrongExpectedRevisionError } from '@lib/eventstore';
import { EventSourcedRepository } from '@lib/service-kit';

/**
 * Which app of an organization holds an app key. The first import of a key appends `AppKeyReserved` to the
 * key's own stream in the same transaction as the app's `AppCreated` (an AggregateBatch: each stream with its
 * expected revision, the key stream's being `no_stream`), so two imports of the same key racing into one
 * organization cannot both create an app: the second append fails on the key stream and the import answers
 * that an upgrade is possible, as a later import does.
 *
 * The stream is not under `app-` (APP_STREAM_PREFIX): nothing of it is published on the bus.
 */
export const appKeyStream = (id: string) => `appkey-${id}`;

/** the aggregate id of a key in an organization: the key hashed, so any identifier fits a stream name */
export const appKeyId = (organizationId: string, appKey: string) =>
  `${organizationId}-${createHash('sha256').update(appKey, 'utf8').digest('hex').slice(0, 40)}`;

export type AppKeyEvent = { type: 'AppKeyReserved'; data: { organizationId: string; appKey: string; appId: string } };

export type AppKeyCommand = { type: 'ReserveAppKey'; organizationId: string; appKey: string; appId: string };

export interface AppKeyState {
  /** the app holding the key, or null while nobody does */
  appId: string | null;
}

export const appKeyDecider: Decider<AppKeyCommand, AppKeyEvent, AppKeyState> = {
  initialState: () => ({ appId: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'AppKeyReserved':
        return { appId: event.data.appId };
      default:
        return assertNever(event.type);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'ReserveAppKey':
        if (state.appId === command.appId) return [];
        if (state.appId !== null) {
          throw new DomainError('conflict', `the app key is held by app ${state.appId}`, 'app-key-taken', { appId: state.appId });
        }
        return [{ type: 'AppKeyReserved', data: { organizationId: command.organizationId, appKey: command.appKey, appId: command.appId } }];
      default:
        return assertNever(command.type);
    }
  },
};

@Injectable()
export class AppKeyRepository extends EventSourcedRepository(appKeyDecider, appKeyStream) {}

/**
 * Creates an aggregate (`command` decided on `repository`'s stream `id`) and reserves `appKey` for it, in one
 * append. Resolves with the app holding the key afterwards: `id` when this call created it, another app's id
 * when the key was already held or another import took it meanwhile (then nothing was appended).
 */
export async function createWithKey<C, E extends { type: string; data?: unknown }, S>(
  store: EventStore,
  keys: AppKeyRepository,
  key: { organizationId: string; appKey: string },
  repository: AggregateRepository<C, E, S>,
  id: string,
  command: C,
  metadata: EventMetadata,
  attempts = 3,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const batch = new AggregateBatch(store);
    try {
      await batch.decide(keys, appKeyId(key.organizationId, key.appKey), { type: 'ReserveAppKey', ...key, appId: id }, metadata);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'app-key-taken') return String(error.details?.appId);
      throw error;
    }
    await batch.decide(repository, id, command, metadata);
    try {
      await batch.commit();
      return id;
    } catch (error) {
      // another writer got to the key (or, unlikely, the new app's) stream first: decide again on fresh state
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= attempts) throw error;
    }
  }
}
