import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support';

const COMMITTED = join(ROOT, 'apps/console/src/api/openapi.d.ts');

describe("the Console's API client", () => {
  it('is generated from the committed docs/openapi.json (run `npm run console:api` after `npm run openapi`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-api-'));
    try {
      const out = join(dir, 'openapi.d.ts');
      const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'docs/openapi.json', '-o', out], { cwd: ROOT, encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(readFileSync(COMMITTED, 'utf8')).toBe(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the Console typecheck when a path it calls is gone from the API', () => {
    // the same check `npm test` runs (console:typecheck), on a copy of the Console whose generated paths lack one
    const dir = mkdtempSync(join(ROOT, 'apps/console/.typecheck-'));
    try {
      cpSync(join(ROOT, 'apps/console/src'), join(dir, 'src'), { recursive: true });
      const generated = readFileSync(COMMITTED, 'utf8').replace('"/v1/organizations/{id}/members": {', '"/v1/organizations/{id}/people": {');
      writeFileSync(join(dir, 'src/api/openapi.d.ts'), generated);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['src'] }));
      const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain('"/v1/organizations/{id}/members"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
