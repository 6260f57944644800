import { BusMessage, MessageBus, ParseResult } from '@lib/messaging';
import { BaseConfig } from '@lib/platform';

/** the infrastructure every event-sourced service gets from the kit, injected by these tokens */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const OPERATOR_TOKEN = Symbol('OPERATOR_TOKEN');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const READ_MODELS = Symbol('READ_MODELS');
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
export const PROJECTIONS = Symbol('PROJECTIONS');
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');

/** what the caller (a service's own process, or the standalone) hands to each service module */
/** the service's PersonalDataVault (or null): `forget(subjects)` crypto-shreds their personal data */
export const PERSONAL_DATA = Symbol('PERSONAL_DATA');

export interface ServiceDependencies<C extends BaseConfig = BaseConfig> {
  config: C;
  bus: MessageBus;
  operatorToken: string;
}

/** a bus consumer provider: the kit subscribes it to its topic before any relay publishes */
export interface IntegrationEventHandler<E> {
  handle(event: E): Promise<void>;
  /**
   * optional: a batch of events (one partition's, in order), all durably applied when it resolves. A handler
   * that has it is subscribed with consumeBatches (catch-up in batches, one transaction per batch).
   */
  handleBatch?(events: E[]): Promise<void>;
}

export interface ConsumerDescription<E extends { id: string; type: string; occurredAt: string; correlationId?: string }> {
  topic: string;
  /**
   * the consumer group; default: the service's name. A service's second topic needs a group of its own:
   * kafkajs members of one group must subscribe to the same topics (else some partitions are never read).
   */
  group?: string;
  parse: (message: BusMessage) => ParseResult<E>;
  /** a provider of the service (declared in its `providers`) */
  handler: abstract new (...args: never[]) => IntegrationEventHandler<E>;
}

/** a consumer description with its event type checked against its handler */
export function consumer<E extends { id: string; type: string; occurredAt: string; correlationId?: string }>(
  description: ConsumerDescription<E>,
): ConsumerDescription<E> {
  return description;
}
