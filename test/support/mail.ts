import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** the first link in the text part */
  link: string;
  /** the `token` query parameter of that link */
  token: string;
}

export async function parseMail(raw: Buffer | string): Promise<ReceivedMail> {
  const mail = await simpleParser(raw);
  const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address ?? '';
  const text = mail.text ?? '';
  const link = /https?:\/\/\S+/.exec(text)?.[0] ?? '';
  const token = link ? (new URL(link).searchParams.get('token') ?? '') : '';
  return { to, subject: mail.subject ?? '', text, html: typeof mail.html === 'string' ? mail.html : '', link, token };
}

/** every message of the embedded outbox (<DATA_DIR>/identity/outbox/*.eml), oldest first */
export async function readOutbox(dataDir: string): Promise<ReceivedMail[]> {
  const dir = join(dataDir, 'identity', 'outbox');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => ({ f, at: statSync(join(dir, f), { bigint: true }).mtimeNs }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map(({ f }) => f);
  return Promise.all(files.map((f) => parseMail(readFileSync(join(dir, f)))));
}
