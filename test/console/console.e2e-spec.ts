/**
 * The seed story in a real Chromium (Debian's, driven by playwright-core) against the standalone running as its own
 * process and serving the built Console: every step a person takes goes through the Console's pages; only the
 * operator's provisioning is a plain HTTP call (operators have no Console page today).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, contains, count, lacks, until, visible, type Browser, type BrowserContext, type Page } from './playwright';
import { buildConsole, CHROMIUM, ROOT, StandaloneProcess } from './support';
import { readOutbox, type ReceivedMail } from '../support/mail';
import { authenticator } from 'otplib';

const PORT = Number(process.env.CONSOLE_E2E_PORT ?? 12101);
const OPERATOR_TOKEN = 'console-e2e-operator-token-0123456789abcdef';
const SHOTS = join(ROOT, 'docs', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let dataDir: string;
let consoleDir: string;
let server: StandaloneProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
let acme: string;
let studio: string;
let exportedZip: string;
const audited: string[] = [];

async function provision(name: string, adminEmail: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, region: 'us', admin: { email: adminEmail } }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function person(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${server.url}/`);
  return page;
}

/** axe-core in the page: no serious or critical violation */
async function checkAccessibility(page: Page, name: string) {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`)) as {
    id: string;
    impact: string;
    nodes: { target: string[] }[];
  }[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect({ page: name, violations: bad }).toEqual({ page: name, violations: [] });
  audited.push(name);
}

async function shot(page: Page, name: string) {
  await checkAccessibility(page, name);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function signUp(page: Page, name: string, email: string) {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  return page;
}

/** the verification mail the standalone wrote to `email` (its embedded outbox under DATA_DIR), once it is there */
async function verificationMail(email: string): Promise<ReceivedMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = (await readOutbox(dataDir)).filter((m) => m.to === email && /Confirm your email/.test(m.subject)).pop();
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no verification mail to ${email}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** the newest mail to `email` whose subject matches, once there are `atLeast` of them */
async function mailTo(email: string, subject: RegExp, atLeast = 1): Promise<ReceivedMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mails = (await readOutbox(dataDir)).filter((m) => m.to === email && subject.test(m.subject));
    if (mails.length >= atLeast) return mails[mails.length - 1];
    if (Date.now() > deadline) throw new Error(`no mail "${subject.source}" to ${email}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** someone without an account opens the invitation mail's link and creates the account there (the link proves the mailbox) */
async function signUpFromInvitation(page: Page, link: string, name: string, email: string) {
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'You are invited', exact: true }).waitFor();
  const form = page.getByRole('form', { name: 'Create your account' });
  await form.getByLabel('Your name').fill(name);
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Create account' }).click();
}

/** a person who just signed up sees what is blocked, then opens the link from their mail in the same tab */
async function confirmEmail(page: Page, email: string, screenshot = false) {
  await page.getByRole('region', { name: 'Confirm your email address' }).getByRole('button', { name: 'Resend verification mail' }).waitFor();
  if (screenshot) await shot(page, 'verify-email-banner');
  const mail = await verificationMail(email);
  expect(mail.link.startsWith(`${server.url}/?token=`)).toBe(true);
  await page.goto(mail.link);
  await page.getByRole('heading', { level: 1, name: 'Email address confirmed', exact: true }).waitFor();
  await contains(page.getByRole('status'), 'Your email address is confirmed.');
  expect(page.url()).toBe(`${server.url}/#/verify-email`); // the spent token is not left in the address bar
  if (screenshot) await shot(page, 'verify-email');
  await page.getByRole('link', { name: 'Go to your organizations' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your organizations', exact: true }).waitFor();
  await lacks(page.locator('main'), 'Resend verification mail');
}

async function nav(page: Page, label: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

async function navLinks(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'All organizations' }).waitFor();
  await page.waitForFunction("!document.body.textContent.includes('Loading…')");
  return nav.getByRole('link').allInnerTexts();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  consoleDir = buildConsole();
  server = new StandaloneProcess(PORT, { DATA_DIR: dataDir, OPERATOR_TOKEN, CONSOLE_DIR: consoleDir, REGION: 'us', PUBLIC_URL: `http://127.0.0.1:${PORT}` }).start();
  await server.ready();
  browser = await chromium.launch(CHROMIUM);
  acme = await provision('Acme Support', 'ada@example.com');
  studio = await provision('Studio', 'dev@example.com');
  await provision('Rival Co', 'agent@example.com');
}, 240_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(consoleDir, { recursive: true, force: true });
});

describe('the Console, as the seed story goes', () => {
  jest.setTimeout(120_000);
  let ada: Page;
  let dev: Page;
  let agent: Page;

  it('the Admin signs up, finds the invitation the operator left her, accepts it and opens the organization', async () => {
    ada = await person();
    await page(ada).heading('Sign in');
    await shot(ada, 'sign-in');
    await signUp(ada, 'Ada', 'ada@example.com');
    await shot(ada, 'sign-up');
    await ada.getByRole('button', { name: 'Create account' }).click();
    await page(ada).heading('Your organizations');
    await confirmEmail(ada, 'ada@example.com', true);
    // the operator's provisioning mailed her an invitation: its link opens the Console's page for it (she is signed in)
    const invitation = await mailTo('ada@example.com', /^Invitation to Acme Support$/);
    expect(invitation.link).toMatch(new RegExp(`^${server.url}/invitations/inv-[\\w-]+\\?token=iv_`));
    await ada.goto(invitation.link);
    await page(ada).heading('Invitation');
    expect(new URL(ada.url()).search).toBe(''); // the token is not left in the address bar
    await contains(ada.getByRole('region', { name: 'Acme Support' }), 'You are invited as Admin · region us');
    await shot(ada, 'invitation');
    await ada.getByRole('button', { name: 'Accept and join Acme Support' }).click();
    await contains(ada.getByRole('status'), 'You joined Acme Support as Admin.');
    await ada.getByRole('link', { name: 'Go to your organizations' }).click();
    await contains(ada.getByRole('list', { name: 'Organizations' }), 'Admin · region us');
    await shot(ada, 'organizations');
    await ada.getByRole('link', { name: 'Acme Support' }).click();
    await page(ada).heading('Acme Support');
    expect(await navLinks(ada)).toEqual(['Overview', 'Members', 'Integrations', 'Phone numbers', 'Apps', 'Audit', 'Settings', 'API keys', 'All organizations']);
    await shot(ada, 'overview');
  });

  it('she invites a Developer and an Agent, and the last-Admin rule is shown in words', async () => {
    await nav(ada, 'Members');
    const invite = ada.getByRole('form', { name: 'Invite a member' });
    await invite.getByLabel('Email to invite').fill('dev@example.com');
    await invite.getByLabel('Role').selectOption('Developer');
    await invite.getByRole('button', { name: 'Invite' }).click();
    await visible(ada.getByText('dev@example.com is invited as a Developer.'));
    await invite.getByLabel('Email to invite').fill('agent@example.com');
    await invite.getByLabel('Role').selectOption('Agent');
    await invite.getByRole('button', { name: 'Invite' }).click();
    await visible(ada.getByText('agent@example.com is invited as an Agent.'));
    // a third invitation, revoked
    await invite.getByLabel('Email to invite').fill('typo@example.com');
    await invite.getByRole('button', { name: 'Invite' }).click();
    await ada.getByRole('button', { name: 'Revoke the invitation of typo@example.com' }).click();
    await visible(ada.getByText('The invitation of typo@example.com was revoked.'));
    await lacks(ada.getByRole('table').nth(1), 'typo@example.com');
    await ada.getByLabel('Show invitations').selectOption('all');
    await contains(ada.getByRole('table', { name: 'Invitations' }).getByRole('row', { name: /typo@example.com/ }), 'revoked');
    await ada.getByLabel('Show invitations').selectOption('awaiting');
    // the first mail to the Developer was lost: she sends it again (its earlier link stops working)
    await mailTo('dev@example.com', /^Invitation to Acme Support$/);
    await ada.getByRole('button', { name: 'Resend the invitation of dev@example.com' }).click();
    await visible(ada.getByText('The invitation was mailed again to dev@example.com; the earlier link no longer works.'));
    // the only Admin cannot make herself a Developer
    await ada.getByLabel('Role for ada@example.com').selectOption('Developer');
    await ada.getByRole('button', { name: 'Change role of ada@example.com' }).click();
    await contains(ada.getByRole('alert').first(), 'An organization needs at least one Admin');
    await shot(ada, 'members');
  });

  it('the Developer joins from the invitation mail, creates an app in his own Studio and exports it', async () => {
    dev = await person();
    const mails = (await readOutbox(dataDir)).filter((m) => m.to === 'dev@example.com' && m.subject === 'Invitation to Acme Support');
    expect(mails).toHaveLength(2); // the first one and the one resent
    // the first link no longer works: the refusal is said in words, and nothing is created
    await signUpFromInvitation(dev, mails[0].link, 'Dev', 'dev@example.com');
    await contains(dev.getByRole('alert'), 'This invitation link does not match');
    await shot(dev, 'invitation-sign-up');
    await signUpFromInvitation(dev, mails[1].link, 'Dev', 'dev@example.com');
    await page(dev).heading('Invitation');
    await dev.getByRole('button', { name: 'Accept and join Acme Support' }).click();
    await contains(dev.getByRole('status'), 'You joined Acme Support as Developer.');
    // his address is confirmed by the invitation link: no verification mail, nothing blocked
    await dev.getByRole('link', { name: 'Go to your organizations' }).click();
    await page(dev).heading('Your organizations');
    await lacks(dev.locator('main'), 'Resend verification mail');
    await dev.getByRole('button', { name: 'Accept invitation to Studio' }).click();
    await contains(dev.getByRole('status'), 'You joined Studio.');
    await dev.getByRole('link', { name: 'Studio' }).click();
    await page(dev).heading('Studio');
    await nav(dev, 'Apps');
    await dev.getByRole('button', { name: 'Create New' }).click();
    await dev.getByRole('link', { name: 'New app from a definition' }).click();
    await dev.getByLabel('Name', { exact: true }).fill('Support Bot');
    await dev.getByLabel('Definition (JSON)').fill('{"pages":[{"title":"Welcome"}]}');
    for (const [slot, kind] of [['crm', 'salesforce'], ['line', 'phone-number']]) {
      await dev.getByLabel('Slot name').fill(slot);
      await dev.getByLabel('Slot kind').selectOption(kind);
      await dev.getByRole('button', { name: 'Add slot' }).click();
    }
    await dev.getByRole('button', { name: 'Create app' }).click();
    await page(dev).heading('Support Bot');
    await visible(dev.getByText('needs configuration', { exact: true }));
    const [download] = await Promise.all([dev.waitForEvent('download'), dev.getByRole('button', { name: 'Export' }).click()]);
    expect(download.suggestedFilename()).toBe('Support-Bot-v1.zip');
    exportedZip = join(dataDir, 'Support-Bot-v1.zip');
    await download.saveAs(exportedZip);
    expect(readFileSync(exportedZip).subarray(0, 2).toString()).toBe('PK');
  });

  it('in Acme (switched to without signing in again) the Developer adds a Salesforce integration and a phone number', async () => {
    await dev.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme Support — Developer — us' });
    await page(dev).heading('Acme Support');
    await nav(dev, 'Integrations');
    await dev.getByLabel('Name', { exact: true }).fill('CRM');
    await dev.getByLabel('Kind').selectOption('salesforce');
    await dev.getByLabel('Setting: instanceUrl').fill('https://acme.my.salesforce.com');
    await dev.getByLabel('Secret', { exact: true }).fill('sf-secret-value-never-shown');
    await dev.getByRole('button', { name: 'Add integration' }).click();
    await visible(dev.getByText('Integration CRM was added.'));
    await contains(dev.getByRole('listitem').filter({ hasText: 'CRM' }), 'salesforce · active · secret set');
    // editing: the secret can be replaced, never read back
    await dev.getByRole('button', { name: 'Edit CRM' }).click();
    await until(() => dev.getByLabel('Replace the secret').inputValue(), '', 'empty secret field');
    await dev.getByLabel('Replace the secret').fill('sf-secret-rotated');
    await dev.getByRole('button', { name: 'Save' }).click();
    await visible(dev.getByRole('button', { name: 'Edit CRM' }));
    expect(await dev.content()).not.toMatch(/sf-secret/);
    await shot(dev, 'integrations');
    await nav(dev, 'Phone numbers');
    await dev.getByLabel('Number', { exact: true }).fill('+14155550100');
    await dev.getByRole('button', { name: 'Add phone number' }).click();
    await visible(dev.getByText('Phone number +14155550100 was added.'));
    // a refusal in words: the same number twice
    await dev.getByLabel('Number', { exact: true }).fill('+14155550100');
    await dev.getByLabel('Name (optional)').fill('Second line');
    await dev.getByRole('button', { name: 'Add phone number' }).click();
    await contains(dev.getByRole('alert').first(), 'This phone number is already in the organization.');
    await shot(dev, 'phone-numbers');
  });

  it('he imports the ZIP (a refused package is explained), binds its slots and publishes', async () => {
    await nav(dev, 'Apps');
    await dev.getByRole('button', { name: 'Create New' }).click();
    await dev.getByRole('link', { name: 'Import App' }).click();
    await page(dev).heading('Import App');
    await dev.getByLabel('App package (ZIP)').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('this is not a zip') });
    await dev.getByRole('button', { name: 'Import' }).click();
    await contains(dev.getByRole('alert'), 'The package was refused: The file is not a ZIP archive.');
    await shot(dev, 'import-refused');
    await dev.getByLabel('App package (ZIP)').setInputFiles(exportedZip);
    await dev.getByRole('button', { name: 'Import' }).click();
    await page(dev).heading('Support Bot');
    await visible(dev.getByText('Imported from'));
    await visible(dev.getByText('Missing before publishing: crm (a salesforce), line (a phone-number).'));
    // publishing before binding is refused, with the reason
    await dev.getByRole('button', { name: 'Publish' }).click();
    await contains(dev.getByRole('alert').first(), 'The app cannot be published yet');
    await until(async () => /res-/.test(await dev.getByLabel('Resource for slot crm').inputValue()), true, "value");
    await until(() => dev.getByLabel('Resource for slot crm').locator('option').allInnerTexts(), ['CRM'], 'crm candidates');
    await shot(dev, 'binding');
    await dev.getByRole('button', { name: 'Bind slot crm' }).click();
    await visible(dev.getByText('Slot crm is bound to CRM.'));
    await dev.getByRole('button', { name: 'Bind slot line' }).click();
    await visible(dev.getByText('Slot line is bound to +14155550100.'));
    await dev.getByRole('button', { name: 'Publish' }).click();
    await visible(dev.getByText('Support Bot is published.'));
    await visible(dev.getByText('published', { exact: true }));
    await nav(dev, 'Apps');
    await contains(dev.getByRole('row', { name: /Support Bot/ }), 'published');
    await contains(dev.getByRole('row', { name: /Support Bot/ }), 'imported from Studio (us)');
    await shot(dev, 'apps');
  });

  it('the Agent joins and sees no integration, app or member management', async () => {
    agent = await person();
    await signUpFromInvitation(agent, (await mailTo('agent@example.com', /^Invitation to Acme Support$/)).link, 'Agnes', 'agent@example.com');
    await agent.getByRole('button', { name: 'Accept and join Acme Support' }).click();
    await contains(agent.getByRole('status'), 'You joined Acme Support as Agent.');
    // the invitation to Rival Co is not for her: she declines it from its mail
    await agent.goto((await mailTo('agent@example.com', /^Invitation to Rival Co$/)).link);
    await contains(agent.getByRole('region', { name: 'Rival Co' }), 'You are invited as Admin');
    await agent.getByRole('button', { name: 'Decline' }).click();
    await contains(agent.getByRole('status'), 'You declined the invitation to Rival Co.');
    await agent.getByRole('link', { name: 'Go to your organizations' }).click();
    await lacks(agent.locator('main'), 'Rival Co');
    await agent.getByRole('link', { name: 'Acme Support' }).click();
    await page(agent).heading('Acme Support');
    expect(await navLinks(agent)).toEqual(['Overview', 'Settings', 'All organizations']);
    await agent.goto(`${server.url}/#/o/${acme}/integrations`);
    await page(agent).heading('Not available');
    await contains(agent.getByRole('alert'), 'Your role in Acme Support is Agent');
    await shot(agent, 'agent-integrations');
  });

  it('the Agent forgets her password and sets a new one from the mailed link', async () => {
    await agent.getByRole('button', { name: 'Sign out' }).click();
    await page(agent).heading('Sign in');
    await agent.getByRole('link', { name: 'Forgot your password?' }).click();
    await page(agent).heading('Reset your password');
    await agent.getByLabel('Email').fill('agent@example.com');
    await agent.getByRole('button', { name: 'Mail me a reset link' }).click();
    await contains(agent.getByRole('status'), 'If agent@example.com has an account, a link to choose a new password is on its way.');
    await shot(agent, 'forgot-password');
    const mail = await mailTo('agent@example.com', /^Reset your password$/);
    await agent.goto(mail.link);
    await page(agent).heading('Choose a new password');
    await agent.getByLabel('New password', { exact: true }).fill('a brand new passphrase here');
    await agent.getByLabel('New password again').fill('a brand new passphrase hare');
    await agent.getByRole('button', { name: 'Set the new password' }).click();
    await contains(agent.getByRole('alert'), 'The two passwords differ');
    await agent.getByLabel('New password again').fill('a brand new passphrase here');
    await agent.getByRole('button', { name: 'Set the new password' }).click();
    await page(agent).heading('Password changed');
    expect(new URL(agent.url()).search).toBe('');
    // the link works once
    await agent.goto(mail.link);
    await agent.getByLabel('New password', { exact: true }).fill('yet another passphrase here');
    await agent.getByLabel('New password again').fill('yet another passphrase here');
    await agent.getByRole('button', { name: 'Set the new password' }).click();
    await contains(agent.getByRole('alert'), 'This password reset link is not valid any more');
    await agent.goto(`${server.url}/#/sign-in`);
    await agent.getByLabel('Email').fill('agent@example.com');
    await agent.getByLabel('Password').fill(PASSWORD);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await contains(agent.getByRole('alert'), 'wrong');
    await agent.getByLabel('Password').fill('a brand new passphrase here');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await page(agent).heading('Your organizations');
  });

  it('the Admin reads the audit trail, renames the organization and demotes the Developer', async () => {
    await nav(ada, 'Audit');
    await contains(ada.getByRole('table'), 'resource.created');
    await ada.getByLabel('Filter this page by action, actor or subject').fill('invitation.revoked');
    await count(ada.getByRole('table').getByRole('row'), 2);
    await shot(ada, 'audit');
    await nav(ada, 'Settings');
    await ada.getByLabel('Organization name').fill('Acme Customer Care');
    await ada.getByRole('button', { name: 'Rename' }).click();
    await visible(ada.getByText('The organization is now called Acme Customer Care.'));
    await shot(ada, 'settings');
    await nav(ada, 'Members');
    await ada.getByLabel('Role for dev@example.com').selectOption('Agent');
    await ada.getByRole('button', { name: 'Change role of dev@example.com' }).click();
    await visible(ada.getByText('dev@example.com is now an Agent.'));
  });

  it("the Developer's next navigation loses app editing; he switches to Studio, where he is Admin", async () => {
    expect(await navLinks(dev)).toContain('Apps'); // still the page he had open
    await nav(dev, 'Overview');
    await until(() => navLinks(dev), ['Overview', 'Settings', 'All organizations'], 'navigation');
    await contains(dev.getByRole('banner'), 'Agent');
    await dev.goto(`${server.url}/#/o/${acme}/apps`);
    await page(dev).heading('Not available');
    await dev.getByLabel('Organization', { exact: true }).selectOption({ label: 'Studio — Admin — us' });
    await page(dev).heading('Studio');
    expect(await navLinks(dev)).toEqual(['Overview', 'Members', 'Integrations', 'Phone numbers', 'Apps', 'Audit', 'Settings', 'API keys', 'All organizations']);
    await nav(dev, 'Members');
    await visible(dev.getByRole('form', { name: 'Invite a member' }));
  });

  it('the Admin creates an API key (shown once) and revokes it', async () => {
    await nav(ada, 'API keys');
    await ada.getByLabel('Key name').fill('CI pipeline');
    await ada.getByLabel('Key role').selectOption('Developer');
    await ada.getByRole('button', { name: 'Create key' }).click();
    const key = (await ada.getByLabel('The new API key').innerText()).trim();
    expect(key).toMatch(/^ok_key-/);
    const call = () => fetch(`${server.url}/v1/organizations/${acme}/integrations`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await call()).toBe(200);
    await shot(ada, 'api-keys');
    await ada.getByRole('button', { name: 'I have copied the key' }).click();
    await contains(ada.getByRole('row', { name: /CI pipeline/ }), 'active');
    expect(await ada.content()).not.toContain(key); // never shown again
    await ada.getByRole('button', { name: 'Revoke the API key CI pipeline' }).click();
    await visible(ada.getByText('The API key CI pipeline is revoked.'));
    await contains(ada.getByRole('row', { name: /CI pipeline/ }), 'revoked');
    expect(await call()).toBe(401);
  });

  it('the Admin turns on two-factor authentication (QR code, recovery codes), changes her password, signs out everywhere and requires it of every member', async () => {
    // requiring it before her own session passed a second factor is refused, in words
    await nav(ada, 'Settings');
    await ada.getByLabel('Require two-factor authentication of every member').check();
    await ada.getByRole('button', { name: 'Save requirement' }).click();
    await contains(ada.getByRole('region', { name: 'Two-factor authentication' }).getByRole('alert'), 'sign in with a second factor yourself');
    await ada.getByRole('link', { name: 'Your profile' }).click();
    await page(ada).heading('Your profile');
    await ada.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await visible(ada.getByRole('img', { name: 'QR code to scan with your authenticator app' }));
    await shot(ada, 'mfa-qr');
    const secret = (await ada.getByLabel('Key to type in').innerText()).trim();
    await ada.getByLabel('Code from the app').fill(authenticator.generate(secret) === '000000' ? '111111' : '000000');
    await ada.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await visible(ada.getByRole('alert'));
    await ada.getByLabel('Code from the app').fill(authenticator.generate(secret));
    await ada.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await visible(ada.getByText('Two-factor authentication is on.'));
    const codes = (await ada.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allInnerTexts()).map((c) => c.trim());
    expect(codes.length).toBeGreaterThanOrEqual(8);
    await shot(ada, 'profile-mfa');
    await ada.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await visible(ada.getByText('On: signing in asks for a code'));
    expect(await ada.content()).not.toContain(codes[0]); // shown once
    // a new password: this session goes on
    await ada.getByLabel('Current password').fill(PASSWORD);
    await ada.getByLabel('New password', { exact: true }).fill('ada changed her passphrase');
    await ada.getByRole('button', { name: 'Change password' }).click();
    await visible(ada.getByText('Your password is changed.'));
    await shot(ada, 'profile');
    await ada.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page(ada).heading('Sign in');
    await contains(ada.locator('main'), 'You signed out everywhere');
    // back in with the new password and a recovery code
    await ada.getByLabel('Email').fill('ada@example.com');
    await ada.getByLabel('Password').fill('ada changed her passphrase');
    await ada.getByRole('button', { name: 'Sign in' }).click();
    await ada.getByLabel('Code from your authenticator app (or a recovery code)').fill(codes[0]);
    await ada.getByRole('button', { name: 'Sign in' }).click();
    await page(ada).heading('Your organizations');
    await ada.getByRole('link', { name: 'Acme Customer Care' }).click();
    await page(ada).heading('Acme Customer Care');
    await nav(ada, 'Settings');
    await ada.getByLabel('Require two-factor authentication of every member').check();
    await ada.getByRole('button', { name: 'Save requirement' }).click();
    await visible(ada.getByText('Every member now needs a second factor'));
    await shot(ada, 'settings-mfa');
    // the Agent has no second factor: the organization no longer opens for her, and she is told what to do
    await agent.reload(); // her list of organizations, read again (the organization was renamed meanwhile)
    await agent.getByRole('link', { name: 'Acme Customer Care' }).click();
    await contains(agent.getByRole('alert'), 'This organization requires two-factor authentication');
    await visible(agent.getByRole('link', { name: 'Set up two-factor authentication in your profile' }));
    await ada.getByLabel('Require two-factor authentication of every member').uncheck();
    await ada.getByRole('button', { name: 'Save requirement' }).click();
    await visible(ada.getByText('A second factor is no longer required in this organization.'));
    // and off again, with the password and another recovery code
    await ada.getByRole('link', { name: 'Your profile' }).click();
    await ada.getByLabel('Your password', { exact: true }).fill('ada changed her passphrase');
    await ada.getByLabel('Code from the app (or a recovery code)').fill(codes[1]);
    await ada.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await visible(ada.getByText('The second factor is off'));
    await visible(ada.getByRole('button', { name: 'Set up an authenticator app' }));
  });

  it('pages through 200 apps and 1,000 members', async () => {
    const token = (await dev.evaluate("JSON.parse(sessionStorage.getItem('console.session')).organizationToken")) as string;
    for (let start = 0; start < 199; start += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, 199 - start) }, (_, i) =>
          fetch(`${server.url}/v1/organizations/${studio}/apps`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `App ${String(start + i).padStart(3, '0')}`, definition: {}, requirements: [] }),
          }).then((r) => expect(r.status).toBe(201)),
        ),
      );
    }
    await nav(dev, 'Apps');
    await visible(dev.getByText('200 of 200 apps'));
    await contains(dev.getByRole('navigation', { name: 'App pages' }), 'Page 1 of 8');
    await count(dev.getByRole('table').getByRole('row'), 26);
    await dev.getByRole('button', { name: 'Next page' }).click();
    await contains(dev.getByRole('navigation', { name: 'App pages' }), 'Page 2 of 8');
    await dev.getByLabel('Filter apps by name').fill('App 19');
    await visible(dev.getByText('9 of 200 apps'));
    await checkAccessibility(dev, 'apps-200');

    // 1,000 members: the API's member pages (cursor, limit ≤ 200) answered in the browser for this org only, since
    // signing up 1,000 people is not what this test is about; everything else goes to the server
    const members = Array.from({ length: 1000 }, (_, i) => ({
      userId: `usr-${String(i).padStart(4, '0')}`,
      email: `member-${String(i).padStart(4, '0')}@example.com`,
      role: i % 10 === 0 ? 'Developer' : 'Agent',
      joinedAt: '2026-11-30T12:00:00.000Z',
    }));
    const requested: number[] = [];
    await dev.route(new RegExp(`/v1/organizations/${studio}/members\\?`), async (route) => {
      const url = new URL(route.request().url());
      const limit = Number(url.searchParams.get('limit'));
      requested.push(limit);
      const from = members.findIndex((m) => m.userId > (url.searchParams.get('cursor') ?? ''));
      const items = members.slice(from, from + limit);
      const nextCursor = from + limit < members.length ? items[items.length - 1].userId : null;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items, nextCursor }) });
    });
    await nav(dev, 'Members');
    await count(dev.getByRole('table').first().getByRole('row'), 51);
    for (let i = 0; i < 19; i++) await dev.getByRole('navigation', { name: 'Member pages' }).getByRole('button', { name: 'Next page' }).click();
    await contains(dev.getByRole('navigation', { name: 'Member pages' }), 'Page 20');
    await until(() => dev.getByRole('navigation', { name: 'Member pages' }).getByRole('button', { name: 'Next page' }).isDisabled(), true, "disabled");
    await contains(dev.getByRole('table').first(), 'member-0999@example.com');
    await dev.getByLabel('Search members by email or role').fill('member-0777');
    await dev.getByRole('button', { name: 'Search', exact: true }).click();
    await visible(dev.getByText('1 members match “member-0777”.'));
    await count(dev.getByRole('table').first().getByRole('row'), 2);
    expect(requested.every((limit) => limit <= 200)).toBe(true);
    await checkAccessibility(dev, 'members-1000');
  });

  it('checked every page it visited with axe-core', () => {
    expect(audited).toEqual(
      expect.arrayContaining(['sign-in', 'sign-up', 'verify-email-banner', 'verify-email', 'invitation', 'invitation-sign-up', 'mfa-qr', 'forgot-password', 'api-keys', 'profile-mfa', 'profile', 'settings-mfa', 'organizations', 'overview', 'members', 'integrations', 'phone-numbers', 'binding', 'apps', 'audit', 'settings']),
    );
  });
});

function page(p: Page) {
  return {
    heading: (name: string) => visible(p.getByRole('heading', { level: 1, name, exact: true })),
  };
}
