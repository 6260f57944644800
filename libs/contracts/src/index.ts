export * from './regions';
export * from './envelope';
export * from './organization.events.v1';
export * from './identity.events.v1';
export * from './packaging.events.v1';
export * from './cloudevents';
export * from './catalog';
export * from './asyncapi';
