import { join } from 'node:path';
import { SigningKeys } from '../apps/identity/src';

/** adds an ES256 signing key (JWK file, 0600) to the keys directory; identity signs with it after a restart */
const dir = process.argv[2] ?? process.env.SIGNING_KEYS_DIR ?? join(process.env.DATA_DIR ?? './data', 'identity', 'keys');
new SigningKeys(dir)
  .load()
  .then((keys) => keys.generate())
  .then((kid) => console.log(`added signing key ${kid} to ${dir}; restart identity instances one at a time`))
  .catch((error: unknown) => {
    console.error(`cannot add a signing key to ${dir}: ${(error as Error).message}`);
    process.exitCode = 1;
  });
