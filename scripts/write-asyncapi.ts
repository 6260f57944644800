import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAsyncApi } from '@lib/contracts';

/** writes docs/asyncapi.json from the zod schemas in libs/contracts (a test fails when it is stale) */
export const ASYNCAPI_FILE = join(__dirname, '..', 'docs', 'asyncapi.json');

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, renderAsyncApi());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
