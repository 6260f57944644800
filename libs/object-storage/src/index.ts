export * from './object-storage.port';
export * from './object-key';
export * from './object-storage.factory';
export * from './filesystem/filesystem.object-storage';
export * from './s3/s3.object-storage';
// The contract suite is imported from '@lib/object-storage/testing/object-storage.contract' by tests only:
// the production build (tsconfig.build.json) excludes **/testing/** and has no jest types.
