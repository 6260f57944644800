// ESLint flat config: typescript-eslint's recommended rules everywhere, plus the type-aware rules that catch the
// bugs an event-sourced NestJS service actually has (a promise nobody awaits, a promise passed where a callback
// result is ignored, an await on something that is not a promise). `npm run lint` must report nothing.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.tools/**',
      'coverage/**',
      '.ci/out/**',
      'data/**',
      'apps/console/src/api/openapi.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        // one TypeScript program per tsconfig: the Console (React, DOM) has its own, everything else the root one
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `_`-prefixed parameters and destructured leftovers are deliberate (interface conformance, omitting a key)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and their helpers read JSON bodies and fixtures whose shape is the very thing under test (`res.body.items[0]
    // .role`); typing each one would restate the contract the test checks. Source files keep the rule.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // React ignores what an event handler returns; the Console's async handlers report failures through their
    // own state (useAction's error, rendered by <Alert>), so an `onClick={async () => ...}` is not a lost promise.
    // Promises passed anywhere else (arguments, conditions, spreads) are still checked.
    files: ['apps/console/src/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    // tools/ reach an app only through its public entry point (apps/<app>/src/index.ts), never its internals
    files: ['tools/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/*/src/**'], message: "import the app's public entry point (apps/<app>/src), or move the code to libs/" }] },
      ],
    },
  },
  {
    // plain CommonJS scripts (the orgctl launcher, jest's config)
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // `const crypto = require('node:crypto')` names the module after the global it is: intended
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
);
