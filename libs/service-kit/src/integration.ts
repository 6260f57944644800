import { RecordedEvent } from '@lib/eventstore';

/**
 * Ends an integration mapper's switch over its event union. The compiler refuses a new event type until it
 * is mapped or listed as internal next to this call; at run time a type this code does not know (written by
 * newer code) is not published.
 */
export function unknownEvent(event: never): null {
  void event;
  return null;
}

/** the service names an envelope's `source` may carry (libs/contracts' envelope schema) */
export type EnvelopeSource = 'identity' | 'organization' | 'app-packaging';

/**
 * The envelope fields every integration event takes from its stored event: the id (the stored event's, so a
 * consumer's derived ids are stable across republishing), where it came from, the source stream's revision,
 * when it happened and the correlation id when the command had one. Each mapper adds `type`, `subject`
 * (where it differs) and `data`.
 */
export function envelopeBase<S extends EnvelopeSource>(event: RecordedEvent, source: S, subject: string) {
  return {
    id: event.id,
    schemaVersion: 1 as const,
    source,
    subject,
    sourceRevision: event.revision,
    occurredAt: String(event.metadata.at ?? event.recordedAt),
    ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
  };
}
