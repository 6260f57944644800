/**
 * organization's public entry point: what tools outside the app (orgctl's offline rebuild, its tests) may use.
 * Anything else under src/ is the app's own business; tools/ must not import it (ESLint refuses).
 */
export { organizationProjections } from './organizations/projections/organization-read-models';
export { organizationStream } from './organizations/organization.events';
export { organizationPersonalData } from './account-deletion/personal-data.policy';
