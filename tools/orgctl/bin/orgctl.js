#!/usr/bin/env node
'use strict';
/**
 * orgctl entry point: works from any directory. ts-node (transpile only) and tsconfig-paths are resolved
 * from the repository this file lives in and configured from its tsconfig.json, then the TypeScript CLI runs.
 */
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true });
const tsconfigPaths = require('tsconfig-paths');
const loaded = tsconfigPaths.loadConfig(root);
if (loaded.resultType !== 'success') {
  process.stderr.write(`orgctl: cannot read ${join(root, 'tsconfig.json')}: ${loaded.message}\n`);
  process.exit(2);
}
tsconfigPaths.register({ baseUrl: loaded.absoluteBaseUrl, paths: loaded.paths });

require('../src/orgctl').run();
