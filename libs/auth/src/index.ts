export * from './permissions';
export * from './tokens';
export * from './guards';
export * from './policy';
export * from './org-permission';
export * from './route-table';
export * from './region-trust';
export * from './machine-credentials';
