/** metadata key of @OrgPermission: its own file, so the guards and the decorator read it without importing each other */
export const ORG_PERMISSION_KEY = 'auth:org-permission';
