import { escapeHtml, MailMessage } from '@lib/platform';

/** plain text + HTML for each mail identity sends; every link points at PUBLIC_URL */
const html = (paragraphs: string[], link: { href: string; label: string }) =>
  [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
    `<p style="color:#666;font-size:small">${escapeHtml(link.href)}</p>`,
    '</body></html>',
  ].join('\n');

/**
 * `path` is served by the server; a `#/…` path is one of the Console's hash routes (the Console is a static app at `/`):
 * the token stays in the query, before the fragment, so the page and any mail reader find it in the same place
 */
export const linkTo = (publicUrl: string, path: string, token: string) => {
  const base = publicUrl.replace(/\/+$/, '');
  const query = `?token=${encodeURIComponent(token)}`;
  return path.startsWith('#') ? `${base}/${query}${path}` : `${base}${path}${query}`;
};

export function verificationMail(input: { to: string; displayName: string; link: string; expiresAt: string }): MailMessage {
  const lines = [
    `Hello ${input.displayName},`,
    'Confirm that this is your email address to join organizations and work in them.',
    `The link can be used once and works until ${input.expiresAt}.`,
  ];
  return {
    to: input.to,
    subject: 'Confirm your email address',
    text: `${lines.join('\n\n')}\n\n${input.link}\n\nIf you did not sign up, ignore this message.\n`,
    html: html([...lines, 'If you did not sign up, ignore this message.'], { href: input.link, label: 'Confirm my email address' }),
  };
}

export function invitationMail(input: { to: string; organizationName: string; role: string; link: string; expiresAt: string }): MailMessage {
  const lines = [
    `You are invited to join ${input.organizationName || 'an organization'} as ${input.role}.`,
    'Sign in with this address and accept, or create your account from the link (it confirms your address).',
    `The invitation expires at ${input.expiresAt}.`,
  ];
  return {
    to: input.to,
    subject: `Invitation to ${input.organizationName || 'an organization'}`,
    text: `${lines.join('\n\n')}\n\n${input.link}\n`,
    html: html(lines, { href: input.link, label: 'Open the invitation' }),
  };
}

export function passwordResetMail(input: { to: string; displayName: string; link: string; expiresAt: string }): MailMessage {
  const lines = [
    `Hello ${input.displayName},`,
    'Someone asked to reset the password of your account. Choose a new password from the link below; every session of the account then ends.',
    `The link can be used once and works until ${input.expiresAt}.`,
  ];
  const ignore = 'If you did not ask for this, ignore this message: your password stays as it is.';
  return {
    to: input.to,
    subject: 'Reset your password',
    text: `${lines.join('\n\n')}\n\n${input.link}\n\n${ignore}\n`,
    html: html([...lines, ignore], { href: input.link, label: 'Choose a new password' }),
  };
}
