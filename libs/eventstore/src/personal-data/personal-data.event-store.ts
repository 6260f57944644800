import { AppendOptions, EventStore, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamAppend, SubscribeOptions } from '../event-store.port';
import { PersonalDataVault } from './personal-data-vault';

/** a personal field of an event's data, and the subject (`user:<id>`, `email:<address>`) it is sealed for */
export type SubjectOf = (data: Record<string, unknown>) => string | null;

/** which parts of a service's events are personal (docs/personal-data.md lists them) */
export interface PersonalDataPolicy {
  /** event type → { field: subject } ; the field's string value is sealed with the subject's data key */
  events: Record<string, Record<string, SubjectOf>>;
  /**
   * stream-name prefixes whose rest is personal (an email): new streams are named `<prefix>~<keyed hash>`;
   * a stream created before sealing keeps its plain name (it still loads; docs/personal-data.md says what stays)
   */
  pseudonymousStreams?: string[];
}

/**
 * The event store as a service sees it, with personal data sealed on the way in and opened on the way out.
 * Deciders, projections and mappers read plain values, or "deleted user" once the subject was forgotten: a
 * projection rebuilt after a deletion shows "deleted user". Events written before sealing (plain strings)
 * load as they are. Every adapter underneath stores only ciphertext for the listed fields.
 */
export class PersonalDataEventStore implements EventStore {
  /** streams known to exist under their pseudonymous name (a plain, pre-sealing stream is never created again) */
  private readonly named = new Map<string, string>();

  constructor(
    private readonly inner: EventStore,
    readonly vault: PersonalDataVault,
    private readonly policy: PersonalDataPolicy,
  ) {
    if (inner.changeToken) this.changeToken = () => inner.changeToken!();
    if (inner.streamChangeToken && inner.changeToken) {
      // a pseudonymous stream's stored name is known once it was looked up; until then the store-wide token
      // (the same counter, so it can only be equal when nothing at all was appended since)
      this.streamChangeToken = (streamName) => {
        const pseudonymous = this.policy.pseudonymousStreams?.some((p) => streamName.startsWith(p));
        if (!pseudonymous) return inner.streamChangeToken!(streamName);
        const stored = this.named.get(streamName);
        return stored ? inner.streamChangeToken!(stored) : inner.changeToken!();
      };
    }
  }

  changeToken?: () => string;
  streamChangeToken?: (streamName: string) => string;

  /** the stored name of a stream: pseudonymous, unless a plain one from before sealing exists */
  async storedName(streamName: string): Promise<string> {
    const prefix = this.policy.pseudonymousStreams?.find((p) => streamName.startsWith(p));
    if (!prefix) return streamName;
    const known = this.named.get(streamName);
    if (known) return known;
    const hashed = `${prefix}~${await this.vault.pseudonym(streamName.slice(prefix.length))}`;
    let name = hashed;
    if ((await this.inner.streamRevision(hashed)) === null && (await this.inner.streamRevision(streamName)) !== null) name = streamName;
    if (name !== hashed || (await this.inner.streamRevision(hashed)) !== null) {
      if (this.named.size > 100_000) this.named.clear();
      this.named.set(streamName, name);
    }
    return name;
  }

  private async seal(event: NewEvent): Promise<NewEvent> {
    const fields = this.policy.events[event.type];
    if (!fields || !event.data || typeof event.data !== 'object') return event;
    const data = { ...(event.data as Record<string, unknown>) };
    const plain = event.data as Record<string, unknown>;
    for (const [field, subjectOf] of Object.entries(fields)) {
      const value = plain[field];
      const subject = subjectOf(plain);
      if (typeof value === 'string' && value !== '' && subject) data[field] = await this.vault.seal(subject, value);
    }
    return { ...event, data };
  }

  private async open<E extends RecordedEvent>(event: E, streamName = event.streamName): Promise<E> {
    const fields = this.policy.events[event.type];
    if (!fields || !event.data || typeof event.data !== 'object') return streamName === event.streamName ? event : { ...event, streamName };
    const data = { ...(event.data as Record<string, unknown>) };
    for (const field of Object.keys(fields)) if (field in data) data[field] = await this.vault.open(data[field]);
    return { ...event, data, streamName };
  }

  private openAll(events: RecordedEvent[], streamName?: string) {
    return Promise.all(events.map((e) => this.open(e, streamName)));
  }

  async append(streamName: string, events: NewEvent[], options?: AppendOptions) {
    const stored = await this.storedName(streamName);
    const result = await this.inner.append(stored, await Promise.all(events.map((e) => this.seal(e))), options);
    if (stored !== streamName) this.named.set(streamName, stored);
    return result;
  }

  async appendMany(appends: StreamAppend[]) {
    const sealed = await Promise.all(
      appends.map(async (a) => ({ ...a, streamName: await this.storedName(a.streamName), events: await Promise.all(a.events.map((e) => this.seal(e))) })),
    );
    const results = await this.inner.appendMany(sealed);
    appends.forEach((a, i) => sealed[i].streamName !== a.streamName && this.named.set(a.streamName, sealed[i].streamName));
    return results;
  }

  async readStream(streamName: string, options?: ReadStreamOptions) {
    return this.openAll(await this.inner.readStream(await this.storedName(streamName), options), streamName);
  }

  async streamRevision(streamName: string) {
    return this.inner.streamRevision(await this.storedName(streamName));
  }

  async readAll(options?: ReadAllOptions) {
    return this.openAll(await this.inner.readAll(options));
  }

  headPosition() {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions) {
    return this.inner.subscribeToAll({ ...options, handler: async (events) => options.handler(await this.openAll(events)) });
  }

  ping() {
    return this.inner.ping();
  }

  async close() {
    await this.inner.close();
    await this.vault.close();
  }
}
