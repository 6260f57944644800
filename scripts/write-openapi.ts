import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from './openapi';
import { renderRouteTable, ROUTE_TABLE_FILE } from './route-table';

renderOpenApi().then(async (json) => {
  writeFileSync(OPENAPI_FILE, json);
  console.log(`wrote ${OPENAPI_FILE}`);
  // the gateway's route table is derived from the same handlers (their @Auth and @OrgPermission metadata)
  writeFileSync(ROUTE_TABLE_FILE, await renderRouteTable());
  console.log(`wrote ${ROUTE_TABLE_FILE}`);
}).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
