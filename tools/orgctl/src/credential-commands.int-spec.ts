import { tmpdir } from 'node:os';
import { OPERATOR_TOKEN, startApp, TestApp } from '../../../test/support/harness';
import { main } from './orgctl';

jest.setTimeout(120_000);

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: tmpdir() });
  return { code, stdout, stderr };
}

/** the runbook's service credential commands, against a running stack over HTTP */
describe('orgctl credential-*', () => {
  let app: TestApp;
  let url: string;
  const op = (args: string[]) => cli([...args, '--url', url, '--token', OPERATOR_TOKEN]);
  const token = (clientId: string, clientSecret: string) =>
    fetch(`${url}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    });

  beforeAll(async () => {
    app = await startApp();
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.app.getUrl();
  });
  afterAll(async () => app?.close());

  it('creates (secret printed once), lists, rotates with an overlap and revokes', async () => {
    const created = await op(['credential-create', 'provisioner', '--scope', 'organizations:provision', '--scope', 'authz:check']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const secret = /client_secret: (scs_\S+)/.exec(created.stdout)![1];
    expect((await token('provisioner', secret)).status).toBe(200);

    const listed = await op(['credential-list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^provisioner\s+active\s+authz:check,organizations:provision/);
    expect(listed.stdout).not.toContain(secret);

    const rotated = await op(['credential-rotate', 'provisioner', '--overlap', '600', '--json']);
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout);
    expect(body.previousSecretValidUntil).toEqual(expect.any(String));
    expect((await token('provisioner', secret)).status).toBe(200);
    expect((await token('provisioner', body.clientSecret)).status).toBe(200);

    expect((await op(['credential-revoke', 'provisioner'])).code).toBe(0);
    expect((await token('provisioner', body.clientSecret)).status).toBe(401);
    expect((await op(['credential-list'])).stdout).toMatch(/^provisioner\s+revoked/);
  });

  it('refuses bad usage (exit 2) and what the API refuses (exit 1)', async () => {
    expect((await op(['credential-create', 'x-name'])).code).toBe(2);
    expect((await op(['credential-rotate'])).code).toBe(2);
    expect((await op(['credential-rotate', 'nobody', '--overlap', 'soon'])).code).toBe(2);
    const unknown = await op(['credential-revoke', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service credential named nobody');
    expect((await op(['credential-create', 'bad', '--scope', 'everything'])).code).toBe(1);
  });
});
