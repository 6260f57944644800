/**
 * identity's public entry point: what tools outside the app (the signing-key generator) may use.
 * Anything else under src/ is the app's own business; tools/ must not import it (ESLint refuses).
 */
export { SigningKeys } from './keys/signing-keys';
