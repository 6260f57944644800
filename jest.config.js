/** Test tiers by suffix: *.spec.ts (pure, fast), *.int-spec.ts (adapters, HTTP, one process), *.e2e-spec.ts (separate processes, real servers). */
const moduleNameMapper = {
  '^@lib/(eventstore|messaging|contracts|auth|platform|object-storage|service-kit)$': '<rootDir>/libs/$1/src',
  '^@lib/(eventstore|messaging|contracts|auth|platform|object-storage|service-kit)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: false, diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/tools'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'] },
    // run by scripts/test-kurrentdb.sh only when KURRENTDB_CONNECTION_STRING is set
    { ...base, displayName: 'kurrentdb', testMatch: ['**/*.kurrent-spec.ts'] },
  ],
};
