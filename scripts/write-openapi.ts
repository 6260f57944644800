import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from './openapi';

renderOpenApi().then((json) => {
  writeFileSync(OPENAPI_FILE, json);
  console.log(`wrote ${OPENAPI_FILE}`);
});
