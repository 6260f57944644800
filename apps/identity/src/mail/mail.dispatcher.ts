import { EventStore, ReadModelDatabase, RecordedEvent, Subscription } from '@lib/eventstore';
import { logger, MailMessage, MailSender } from '@lib/platform';

/** what to send for one event of identity's log, or null when the event sends nothing */
export type ComposeMail = (event: RecordedEvent) => Promise<MailMessage | null>;

export interface MailDispatcherOptions {
  store: EventStore;
  readModels: ReadModelDatabase;
  sender: MailSender;
  compose: ComposeMail;
  maxAttempts: number;
  /** first retry delay; doubled on each further attempt */
  retryBaseMs: number;
}

/**
 * Mail is driven by identity's own events: a checkpointed subscription to the log composes each mail from
 * an event (verification requested, invitation recorded) and sends it. A mail is sent at most once per
 * event id (the `mail_sent` table; a replayed log or a crash before the checkpoint sends nothing twice),
 * retried with exponential backoff, and after the last attempt dead-lettered with the reason
 * (`mail_dead_letters`, and an error log line without the link) so the log goes on.
 */
export class MailDispatcher {
  private subscription: Subscription | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly log = logger('mail');
  static readonly CHECKPOINT = 'mailer:identity';
  // prepared once: the dispatcher reads every event of identity's log, most of which send nothing
  private readonly statements;

  constructor(private readonly options: MailDispatcherOptions) {
    const db = options.readModels.db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS mail_sent (event_id TEXT PRIMARY KEY, location TEXT NOT NULL, sent_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS mail_dead_letters (
        event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL, failed_at TEXT NOT NULL
      );
    `);
    this.statements = {
      done: db.prepare('SELECT 1 FROM mail_sent WHERE event_id = ? UNION SELECT 1 FROM mail_dead_letters WHERE event_id = ?'),
      sent: db.prepare('INSERT OR IGNORE INTO mail_sent (event_id, location, sent_at) VALUES (?, ?, ?)'),
      deadLetter: db.prepare('INSERT OR IGNORE INTO mail_dead_letters (event_id, event_type, attempts, reason, failed_at) VALUES (?, ?, ?, ?, ?)'),
    };
  }

  get position() {
    return this.options.readModels.checkpoint(MailDispatcher.CHECKPOINT)?.position ?? 0;
  }

  start() {
    this.stopped = false;
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: 100,
      handler: (events) => this.handle(events),
      onError: (error) => {
        this.log.error({ err: error }, 'mail dispatcher stopped; restarting from its checkpoint');
        this.subscription = null;
        if (!this.stopped) this.restartTimer = setTimeout(() => this.start(), 1000);
      },
    });
  }

  /**
   * The checkpoint moves once per batch (one write, not one per event: catching up on a large log sends
   * nothing for most events). A crash inside a batch re-reads it; `mail_sent` keeps a mail from going twice.
   */
  private async handle(events: RecordedEvent[]) {
    for (const event of events) {
      if (this.stopped) throw new Error('mail dispatcher stopping');
      await this.dispatch(event);
    }
    if (events.length > 0) this.options.readModels.saveCheckpoint(MailDispatcher.CHECKPOINT, events[events.length - 1].position);
  }

  private async dispatch(event: RecordedEvent) {
    const message = await this.options.compose(event);
    if (!message) return;
    if (this.statements.done.get(event.id, event.id)) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const { location } = await this.options.sender.send(message, event.id);
        this.statements.sent.run(event.id, location, new Date().toISOString());
        // the path or Message-ID, never the link: the log must not hold working tokens
        this.log.info({ eventId: event.id, eventType: event.type, location, attempt }, `mail for ${event.type} sent: ${location}`);
        return;
      } catch (error) {
        lastError = error;
        if (attempt === this.options.maxAttempts) break;
        const delay = this.options.retryBaseMs * 2 ** (attempt - 1);
        this.log.warn({ eventId: event.id, attempt, err: (error as Error).message, retryInMs: delay }, 'mail not sent; retrying');
        await this.sleep(delay);
        if (this.stopped) throw new Error('mail dispatcher stopping', { cause: error });
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    this.statements.deadLetter.run(
      event.id,
      event.type,
      this.options.maxAttempts,
      reason,
      new Date().toISOString(),
    );
    this.log.error({ eventId: event.id, eventType: event.type, attempts: this.options.maxAttempts, reason }, 'mail dead-lettered after the last attempt');
  }

  private sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  deadLetters(): { eventId: string; eventType: string; attempts: number; reason: string; failedAt: string }[] {
    return this.options.readModels.db
      .prepare('SELECT event_id AS eventId, event_type AS eventType, attempts, reason, failed_at AS failedAt FROM mail_dead_letters ORDER BY failed_at')
      .all() as never;
  }

  /** waits until every event appended so far went through the dispatcher (tests, shutdown) */
  async flush(timeoutMs = 10_000) {
    const head = await this.options.store.headPosition();
    const deadline = Date.now() + timeoutMs;
    while (this.position < head) {
      if (Date.now() > deadline) throw new Error(`mail dispatcher did not reach ${head} (at ${this.position})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop() {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.wake?.();
    await this.subscription?.stop().catch(() => undefined);
    this.subscription = null;
    this.options.sender.close();
  }
}
