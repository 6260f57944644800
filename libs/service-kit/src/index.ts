export * from './tokens';
export * from './service-kit.module';
export * from './service-handles';
export * from './bootstrap';
export * from './integration';
export * from './repository';
