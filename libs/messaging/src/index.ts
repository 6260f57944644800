export * from './message-bus.port';
export * from './in-process/in-process.message-bus';
export * from './outbox.relay';
export * from './idempotent.consumer';
export * from './message-bus.factory';
export * from './kafka/kafka.message-bus';
