import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMail, ReceivedMail } from './mail';

/**
 * A real SMTP server (smtp-server, from the nodemailer project) in the test process. Recipients starting
 * with `bounce` are refused with 550; `flaky` ones are refused once per message, then accepted.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly refused: string[] = [];
  private readonly flakySeen = new Set<string>();
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, session, callback) => {
        const to = address.address.toLowerCase();
        if (to.startsWith('bounce')) {
          this.refused.push(to);
          return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        }
        if (to.startsWith('flaky') && !this.flakySeen.has(to)) {
          this.flakySeen.add(to);
          this.refused.push(to);
          return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          parseMail(Buffer.concat(chunks)).then((m) => {
            this.received.push(m);
            callback();
          }, callback);
        });
      },
    });
  }

  /** listens on `port` (0: any free port) and answers the SMTP_URL to give the product */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: bound } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${bound}`;
  }

  mailsTo(to: string) {
    return this.received.filter((m) => m.to === to.toLowerCase());
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
