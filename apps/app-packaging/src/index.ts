/**
 * app-packaging's public entry point: what tools outside the app (orgctl's offline rebuild) may use.
 * Anything else under src/ is the app's own business; tools/ must not import it (ESLint refuses).
 */
export { appsProjection } from './apps/projections';
