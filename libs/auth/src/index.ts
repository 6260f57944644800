export * from './permissions';
export * from './tokens';
export * from './guards';
