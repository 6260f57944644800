/**
 * One entry of an organization's audit trail, as `GET /v1/organizations/{id}/audit` (and its JSONL export)
 * returns it: when, who, what, on what, the details (secrets redacted) and the organization stream's revision
 * it came from. The organization service builds it; clients such as orgctl read it.
 */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  revision: number;
}
