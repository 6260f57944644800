import { EventStore, ReadModelDatabase, RecordedEvent, Subscription } from '@lib/eventstore';
import { logger, MailMessage, MailSender } from '@lib/platform';
import type { RelayLeadership } from '@lib/messaging';

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
  /**
   * Several replicas on a shared store (PostgreSQL): only the holder of this lease sends, and the checkpoint
   * is shared (saved after each mail), so a mail goes out once whichever replica sends it. Without it, this
   * process is the only sender.
   */
  leadership?: RelayLeadership & { close?: () => Promise<void> };
  /** how often a replica without the lease tries to take it (default 1 s) */
  leaseRetryMs?: number;
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
  private listening = false;
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

  /** true when this process sends (always, without a shared lease) */
  get isSender() {
    return !this.options.leadership || this.options.leadership.holds(MailDispatcher.CHECKPOINT);
  }

  start() {
    this.stopped = false;
    if (this.options.leadership) {
      void this.campaign();
      return;
    }
    this.subscribe();
  }

  /** tries to take the lease until it holds it or the dispatcher stops; then resumes from the shared checkpoint */
  private async campaign() {
    const leadership = this.options.leadership!;
    if (!this.listening) {
      this.listening = true;
      leadership.onLost((name) => {
        if (name !== MailDispatcher.CHECKPOINT) return;
        this.log.warn('mail lease lost; another replica sends from the shared checkpoint');
        const subscription = this.subscription;
        this.subscription = null;
        void (subscription?.stop() ?? Promise.resolve()).catch(() => undefined).then(() => {
          if (!this.stopped) this.restartTimer = setTimeout(() => void this.campaign(), this.options.leaseRetryMs ?? 1000);
        });
      });
    }
    while (!this.stopped) {
      try {
        if (await leadership.tryAcquire(MailDispatcher.CHECKPOINT)) {
          const shared = await leadership.checkpoint(MailDispatcher.CHECKPOINT);
          if (this.stopped) {
            await leadership.release(MailDispatcher.CHECKPOINT);
            return;
          }
          // the shared checkpoint wins over this replica's own copy, forwards or backwards
          this.options.readModels.db.prepare('DELETE FROM checkpoints WHERE name = ?').run(MailDispatcher.CHECKPOINT);
          if (shared !== null) this.options.readModels.saveCheckpoint(MailDispatcher.CHECKPOINT, shared);
          this.log.info({ position: shared ?? 0 }, 'this replica sends the mail now');
          this.subscribe();
          return;
        }
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'mail lease not taken; retrying');
      }
      await new Promise<void>((resolve) => (this.restartTimer = setTimeout(resolve, this.options.leaseRetryMs ?? 1000)));
    }
  }

  private subscribe() {
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: 100,
      handler: (events) => this.handle(events),
      onError: (error) => {
        this.log.error({ err: error }, 'mail dispatcher stopped; restarting from its checkpoint');
        this.subscription = null;
        if (!this.stopped) this.restartTimer = setTimeout(() => (this.options.leadership ? void this.campaign() : this.subscribe()), 1000);
      },
    });
  }

  /**
   * The checkpoint moves once per batch (one write, not one per event: catching up on a large log sends
   * nothing for most events), and right after each mail actually sent: `mail_sent` is this replica's own, so
   * with several replicas the shared checkpoint is what keeps the next sender from mailing it again.
   */
  private async handle(events: RecordedEvent[]) {
    const leadership = this.options.leadership;
    for (const event of events) {
      if (this.stopped) throw new Error('mail dispatcher stopping');
      if (leadership && !leadership.holds(MailDispatcher.CHECKPOINT)) throw new Error('mail lease lost');
      if (await this.dispatch(event)) await this.checkpoint(event.position);
    }
    if (events.length > 0) await this.checkpoint(events[events.length - 1].position);
  }

  private async checkpoint(position: number) {
    this.options.readModels.saveCheckpoint(MailDispatcher.CHECKPOINT, position);
    await this.options.leadership?.saveCheckpoint(MailDispatcher.CHECKPOINT, position);
  }

  /** true when a mail went out (or was dead-lettered) for this event */
  private async dispatch(event: RecordedEvent): Promise<boolean> {
    const message = await this.options.compose(event);
    if (!message) return false;
    if (this.statements.done.get(event.id, event.id)) return false;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const { location } = await this.options.sender.send(message, event.id);
        this.statements.sent.run(event.id, location, new Date().toISOString());
        // the path or Message-ID, never the link: the log must not hold working tokens
        this.log.info({ eventId: event.id, eventType: event.type, location, attempt }, `mail for ${event.type} sent: ${location}`);
        return true;
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
    return true;
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
    if (!this.isSender) return; // another replica sends
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
    // the next replica takes over at once instead of at its next retry
    await this.options.leadership?.release(MailDispatcher.CHECKPOINT).catch(() => undefined);
    await this.options.leadership?.close?.().catch(() => undefined);
    this.options.sender.close();
  }
}
