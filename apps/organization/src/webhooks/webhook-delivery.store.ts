import type Database from 'better-sqlite3';
import type { Sealed } from '../resources/secret-box';

export interface WebhookTarget {
  endpointId: string;
  organizationId: string;
  url: string;
  eventTypes: string[];
  status: 'active' | 'disabled';
  secret: Sealed;
}

export type DeliveryState = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRow {
  seq: number;
  endpointId: string;
  organizationId: string;
  messageId: string;
  eventType: string;
  payload: string;
  position: number;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  createdAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  /** what the next attempt answers: the schedule, or an Admin's replay */
  trigger: 'scheduled' | 'replay';
}

export interface AttemptRow {
  id: number;
  deliverySeq: number;
  endpointId: string;
  attemptedAt: string;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  trigger: 'scheduled' | 'replay';
}

/**
 * The delivery worker's own tables in the service's read-model database: the endpoints as the worker knows
 * them at its checkpoint (folded from the same log it delivers, so an event is offered to the endpoints that
 * existed when it happened), the deliveries it owes, and every attempt. Enqueueing and the checkpoint move in
 * one transaction: a crash neither loses nor doubles an enqueued delivery; a crash between a send and its
 * record sends it again (at least once; the receiver drops repeats by `webhook-id`).
 */
export class WebhookDeliveryStore {
  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS webhook_targets (
        endpoint_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, url TEXT NOT NULL, event_types TEXT NOT NULL,
        status TEXT NOT NULL, secret TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS webhook_targets_org ON webhook_targets (organization_id);
      CREATE TABLE IF NOT EXISTS webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, endpoint_id TEXT NOT NULL, organization_id TEXT NOT NULL,
        message_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL, position INTEGER NOT NULL,
        state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, created_at TEXT NOT NULL,
        last_status_code INTEGER, last_error TEXT, trigger TEXT NOT NULL DEFAULT 'scheduled', UNIQUE (endpoint_id, message_id));
      CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (endpoint_id, state, next_attempt_at, seq);
      CREATE TABLE IF NOT EXISTS webhook_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_seq INTEGER NOT NULL, endpoint_id TEXT NOT NULL,
        attempted_at TEXT NOT NULL, outcome TEXT NOT NULL, status_code INTEGER, latency_ms REAL NOT NULL, error TEXT,
        trigger TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
      CREATE TABLE IF NOT EXISTS webhook_health (endpoint_id TEXT PRIMARY KEY, failing_since INTEGER);
    `);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** prepared once per SQL text (the lanes run these for every delivery) */
  private stmt<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement as unknown as Database.Statement<P, R>;
  }

  upsertTarget(t: WebhookTarget) {
    this
      .stmt(
        `INSERT INTO webhook_targets (endpoint_id, organization_id, url, event_types, status, secret) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(endpoint_id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types, status = excluded.status, secret = excluded.secret`,
      )
      .run(t.endpointId, t.organizationId, t.url, JSON.stringify(t.eventTypes), t.status, JSON.stringify(t.secret));
  }

  target(endpointId: string): WebhookTarget | null {
    const row = this.stmt<[string], Record<string, string>>('SELECT * FROM webhook_targets WHERE endpoint_id = ?').get(endpointId);
    return row ? toTarget(row) : null;
  }

  targetsOf(organizationId: string): WebhookTarget[] {
    return this
      .stmt<[string], Record<string, string>>('SELECT * FROM webhook_targets WHERE organization_id = ?')
      .all(organizationId)
      .map(toTarget);
  }

  activeTargets(): WebhookTarget[] {
    return this.stmt<[], Record<string, string>>("SELECT * FROM webhook_targets WHERE status = 'active'").all().map(toTarget);
  }

  setTargetStatus(endpointId: string, status: 'active' | 'disabled') {
    this.stmt('UPDATE webhook_targets SET status = ? WHERE endpoint_id = ?').run(status, endpointId);
  }

  /** a deleted endpoint: nothing more is owed to it, and its history goes with it */
  removeTarget(endpointId: string) {
    this.stmt('DELETE FROM webhook_targets WHERE endpoint_id = ?').run(endpointId);
    this.stmt('DELETE FROM webhook_deliveries WHERE endpoint_id = ?').run(endpointId);
    this.stmt('DELETE FROM webhook_attempts WHERE endpoint_id = ?').run(endpointId);
    this.stmt('DELETE FROM webhook_health WHERE endpoint_id = ?').run(endpointId);
  }

  enqueue(d: { endpointId: string; organizationId: string; messageId: string; eventType: string; payload: string; position: number; now: number }) {
    this
      .stmt(
        `INSERT OR IGNORE INTO webhook_deliveries (endpoint_id, organization_id, message_id, event_type, payload, position, state, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(d.endpointId, d.organizationId, d.messageId, d.eventType, d.payload, d.position, d.now, new Date(d.now).toISOString());
  }

  /** the oldest delivery of an endpoint that is due (log order while the endpoint answers; a retry waits its turn) */
  nextDue(endpointId: string, now: number): DeliveryRow | null {
    const row = this
      .stmt<[string, number], Record<string, unknown>>(
        "SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND state = 'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT 1",
      )
      .get(endpointId, now);
    return row ? toDelivery(row) : null;
  }

  /** when the endpoint's next pending delivery becomes due, or null */
  nextDueAt(endpointId: string): number | null {
    const row = this
      .stmt<[string], { at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE endpoint_id = ? AND state = 'pending'")
      .get(endpointId);
    return row?.at ?? null;
  }

  recordAttempt(
    delivery: DeliveryRow,
    attempt: { at: number; ok: boolean; statusCode: number | null; latencyMs: number; error: string | null; trigger: 'scheduled' | 'replay' },
    next: { state: DeliveryState; nextAttemptAt: number | null },
  ) {
    this.db.transaction(() => {
      this
        .stmt(
          'INSERT INTO webhook_attempts (delivery_seq, endpoint_id, attempted_at, outcome, status_code, latency_ms, error, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          delivery.seq,
          delivery.endpointId,
          new Date(attempt.at).toISOString(),
          attempt.ok ? 'succeeded' : 'failed',
          attempt.statusCode,
          attempt.latencyMs,
          attempt.error,
          attempt.trigger,
        );
      this
        .stmt("UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_status_code = ?, last_error = ?, trigger = 'scheduled' WHERE seq = ?")
        .run(next.state, next.nextAttemptAt, attempt.statusCode, attempt.error, delivery.seq);
      if (attempt.ok) this.stmt('DELETE FROM webhook_health WHERE endpoint_id = ?').run(delivery.endpointId);
      else this.stmt('INSERT OR IGNORE INTO webhook_health (endpoint_id, failing_since) VALUES (?, ?)').run(delivery.endpointId, attempt.at);
    })();
  }

  /** since when every attempt to this endpoint failed, or null when the last one succeeded */
  failingSince(endpointId: string): number | null {
    return this.stmt<[string], { failing_since: number }>('SELECT failing_since FROM webhook_health WHERE endpoint_id = ?').get(endpointId)?.failing_since ?? null;
  }

  delivery(endpointId: string, seq: number): DeliveryRow | null {
    const row = this.stmt<[string, number], Record<string, unknown>>('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND seq = ?').get(endpointId, seq);
    return row ? toDelivery(row) : null;
  }

  /** newest first, `before` a seq (the cursor) */
  deliveries(endpointId: string, limit: number, before?: number): DeliveryRow[] {
    return this
      .stmt<[string, number, number], Record<string, unknown>>('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?')
      .all(endpointId, before ?? Number.MAX_SAFE_INTEGER, limit)
      .map(toDelivery);
  }

  /** newest first, `before` an attempt id (the cursor) */
  attempts(endpointId: string, limit: number, before?: number, deliverySeq?: number): AttemptRow[] {
    const rows =
      deliverySeq === undefined
        ? this
            .stmt<[string, number, number], Record<string, unknown>>('SELECT * FROM webhook_attempts WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
            .all(endpointId, before ?? Number.MAX_SAFE_INTEGER, limit)
        : this
            .stmt<[string, number, number, number], Record<string, unknown>>(
              'SELECT * FROM webhook_attempts WHERE endpoint_id = ? AND delivery_seq = ? AND id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(endpointId, deliverySeq, before ?? Number.MAX_SAFE_INTEGER, limit);
    return rows.map((r) => ({
      id: r.id as number,
      deliverySeq: r.delivery_seq as number,
      endpointId: r.endpoint_id as string,
      attemptedAt: r.attempted_at as string,
      outcome: r.outcome as AttemptRow['outcome'],
      statusCode: (r.status_code as number | null) ?? null,
      latencyMs: r.latency_ms as number,
      error: (r.error as string | null) ?? null,
      trigger: r.trigger as AttemptRow['trigger'],
    }));
  }

  /** an Admin's replay: the delivery is due again now, with a fresh retry schedule */
  replay(endpointId: string, seq: number, now: number): boolean {
    return (
      this
        .stmt("UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, trigger = 'replay' WHERE endpoint_id = ? AND seq = ?")
        .run(now, endpointId, seq).changes === 1
    );
  }
}

function toTarget(row: Record<string, string>): WebhookTarget {
  return {
    endpointId: row.endpoint_id,
    organizationId: row.organization_id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    status: row.status as WebhookTarget['status'],
    secret: JSON.parse(row.secret) as Sealed,
  };
}

function toDelivery(r: Record<string, unknown>): DeliveryRow {
  return {
    seq: r.seq as number,
    endpointId: r.endpoint_id as string,
    organizationId: r.organization_id as string,
    messageId: r.message_id as string,
    eventType: r.event_type as string,
    payload: r.payload as string,
    position: r.position as number,
    state: r.state as DeliveryState,
    attempts: r.attempts as number,
    nextAttemptAt: (r.next_attempt_at as number | null) ?? null,
    createdAt: r.created_at as string,
    lastStatusCode: (r.last_status_code as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    trigger: r.trigger as DeliveryRow['trigger'],
  };
}
