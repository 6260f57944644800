import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** the mail port: SMTP when configured, else files on disk (the embedded default) */
export interface MailSender {
  readonly kind: 'smtp' | 'outbox';
  /** `id` is stable per message (the causing event's id): it names the file and the Message-ID */
  send(message: MailMessage, id: string): Promise<{ location: string }>;
  close(): void;
}

const messageId = (id: string) => `<${id.replace(/[^\w.-]/g, '')}@orgs-control-plane>`;

/** nodemailer over SMTP (`SMTP_URL`, e.g. smtp://user:pass@mail.example:587) */
export class SmtpMailSender implements MailSender {
  readonly kind = 'smtp';
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // short timeouts: a stuck server fails the attempt, and the dispatcher's backoff decides what comes next
    this.transport = createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
  }

  async send(message: MailMessage, id: string) {
    const info = await this.transport.sendMail({ from: this.from, messageId: messageId(id), ...message });
    return { location: `smtp:${info.messageId}` };
  }

  close() {
    this.transport.close();
  }
}

/**
 * The embedded default: nodemailer builds the RFC 5322 message and it is written as `<id>.eml` under the
 * outbox directory (0600 in a 0700 directory); open it with any mail client. The same id overwrites the same
 * file, so a redelivery never makes a second message.
 */
export class OutboxMailSender implements MailSender {
  readonly kind = 'outbox';
  private readonly transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage, id: string) {
    const info = await this.transport.sendMail({ from: this.from, messageId: messageId(id), ...message });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${id.replace(/[^\w.-]/g, '_')}.eml`);
    writeFileSync(file, info.message as unknown as Buffer, { mode: 0o600 });
    chmodSync(file, 0o600);
    return { location: file };
  }

  close() {
    this.transport.close();
  }
}

export function createMailSender(options: { smtpUrl?: string; from: string; outboxDir: string }): MailSender {
  return options.smtpUrl ? new SmtpMailSender(options.smtpUrl, options.from) : new OutboxMailSender(options.outboxDir, options.from);
}

/** escapes text for an HTML template */
export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
