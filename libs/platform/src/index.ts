export * from './config';
export * from './http';
export * from './health';
export * from './problem-details.filter';
export * from './ids';
export * from './service-main';
export * from './observability';
export * from './instrumentation';
