import 'reflect-metadata';
import { ConfigError } from '@lib/platform';
import { createStandalone } from './standalone';

async function main() {
  const { app, config, operatorTokenFile } = await createStandalone();
  await app.listen({ port: config.PORT, host: config.HOST });
  const url = await app.getUrl();
  console.log(`organizations control plane (standalone, region ${config.REGION}) listening on ${url}`);
  console.log(`data directory: ${config.DATA_DIR}`);
  if (operatorTokenFile) console.log(`operator token: stored in ${operatorTokenFile} (set OPERATOR_TOKEN to use your own)`);
  console.log(`API documentation: ${url}/docs`);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  console.error(error);
  process.exit(1);
});
