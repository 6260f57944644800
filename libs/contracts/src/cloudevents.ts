import type { BusMessage } from '@lib/messaging';

/**
 * The CloudEvents 1.0 Kafka protocol binding, binary content mode: the context attributes travel as
 * `ce_`-prefixed record headers, `datacontenttype` as `content-type`, and the record value is the event data
 * (here: the JSON envelope, unchanged, so consumers of the envelope keep working). The record key is the
 * envelope's subject (the binding's `partitionkey`).
 */
export const CLOUDEVENTS_HEADERS = {
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  specversion: 'ce_specversion',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** reverse-DNS event types, as the spec recommends: `io.controlplane.MemberAdded` */
export const CLOUDEVENT_TYPE_PREFIX = 'io.controlplane.';
export const cloudEventType = (envelopeType: string) => `${CLOUDEVENT_TYPE_PREFIX}${envelopeType}`;

/** a URI reference naming the producing service */
export const cloudEventSource = (service: string) => `/services/${service}`;

/** the envelope fields the CloudEvents attributes come from (an `Envelope` has them; envelope.ts imports this file) */
export type CloudEventSourceFields = { id: string; source: string; type: string; occurredAt: string; subject: string };

export function cloudEventHeaders(envelope: CloudEventSourceFields): Record<string, string> {
  return {
    [CLOUDEVENTS_HEADERS.id]: envelope.id,
    [CLOUDEVENTS_HEADERS.source]: cloudEventSource(envelope.source),
    [CLOUDEVENTS_HEADERS.type]: cloudEventType(envelope.type),
    [CLOUDEVENTS_HEADERS.specversion]: CLOUDEVENTS_SPEC_VERSION,
    [CLOUDEVENTS_HEADERS.time]: envelope.occurredAt,
    [CLOUDEVENTS_HEADERS.subject]: envelope.subject,
    [CLOUDEVENTS_HEADERS.contentType]: 'application/json',
  };
}

export interface CloudEventContext {
  id: string;
  source: string;
  type: string;
  specversion: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
}

/** the CloudEvents context of a record in binary mode, or the reason it has none */
export function readCloudEventHeaders(message: Pick<BusMessage, 'headers'>): { ok: true; value: CloudEventContext } | { ok: false; reason: string } {
  const h = message.headers;
  const missing = (['id', 'source', 'type', 'specversion'] as const).filter((k) => !h[CLOUDEVENTS_HEADERS[k]]);
  if (missing.length > 0) return { ok: false, reason: `missing CloudEvents header(s): ${missing.map((k) => CLOUDEVENTS_HEADERS[k]).join(', ')}` };
  if (h[CLOUDEVENTS_HEADERS.specversion] !== CLOUDEVENTS_SPEC_VERSION) {
    return { ok: false, reason: `unsupported CloudEvents specversion ${h[CLOUDEVENTS_HEADERS.specversion]} (expected 1.0)` };
  }
  return {
    ok: true,
    value: {
      id: h[CLOUDEVENTS_HEADERS.id],
      source: h[CLOUDEVENTS_HEADERS.source],
      type: h[CLOUDEVENTS_HEADERS.type],
      specversion: h[CLOUDEVENTS_HEADERS.specversion],
      ...(h[CLOUDEVENTS_HEADERS.time] ? { time: h[CLOUDEVENTS_HEADERS.time] } : {}),
      ...(h[CLOUDEVENTS_HEADERS.subject] ? { subject: h[CLOUDEVENTS_HEADERS.subject] } : {}),
      ...(h[CLOUDEVENTS_HEADERS.contentType] ? { datacontenttype: h[CLOUDEVENTS_HEADERS.contentType] } : {}),
    },
  };
}
