import 'reflect-metadata';
import { runMain } from '@lib/platform';
import { createStandalone } from './standalone';

runMain('organizations control plane (standalone)', async () => {
  const { app, config, operatorTokenFile } = await createStandalone();
  return {
    app,
    port: config.PORT,
    host: config.HOST,
    lines: [
      `region ${config.REGION}, data directory ${config.DATA_DIR}`,
      ...(operatorTokenFile ? [`operator token: stored in ${operatorTokenFile} (set OPERATOR_TOKEN to use your own)`] : []),
      'API documentation: /docs',
    ],
  };
});
