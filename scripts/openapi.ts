import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '@lib/platform';
import { createStandalone } from '../apps/standalone/src/standalone';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

/** the OpenAPI document of the standalone product, as served at /docs/openapi.json */
export async function renderOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ocp-openapi-'));
  const standalone = await createStandalone({ DATA_DIR: dataDir, OPERATOR_TOKEN: 'x'.repeat(32) }, { logger: false });
  try {
    const document = openApiDocument(standalone.app, 'Organizations control plane');
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    await standalone.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
