import { RecordedEvent } from '../event-store.port';

/** a row of a service schema's `events` table, as `pg` returns it (bigint positions come as strings) */
export interface Row {
  position: string;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: string;
}

export function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata as RecordedEvent['metadata'],
    streamName: row.stream,
    revision: row.revision,
    position: Number(row.position),
    recordedAt: row.recorded_at,
  };
}
