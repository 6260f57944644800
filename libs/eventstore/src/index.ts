export * from './event-store.port';
export * from './decider';
export * from './aggregate.repository';
export * from './projection';
export * from './subscription';
export * from './sqlite/sqlite.event-store';
export * from './kurrentdb/kurrentdb.event-store';
export * from './event-store.factory';
