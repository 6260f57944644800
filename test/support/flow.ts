import { expect } from '@jest/globals';
import { eventually, OPERATOR_TOKEN, PASSWORD, TestApp } from './harness';

/** sign-up, provisioning and org-scoped tokens, for tests that start past the organizations core */
export class Flow {
  constructor(readonly app: TestApp) {}

  async user(email: string, displayName = email.split('@')[0]) {
    const res = await this.app.request('POST', '/v1/users', { body: { email, password: PASSWORD, displayName } });
    expect(res.status).toBe(201);
    await this.app.verifyEmail(email);
    return res.body as { id: string; email: string };
  }

  async organization(name: string, adminEmail: string) {
    const res = await this.app.request('POST', '/v1/organizations', {
      token: OPERATOR_TOKEN,
      body: { name, region: this.app.config.REGION, admin: { email: adminEmail } },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  }

  async signIn(email: string) {
    const res = await this.app.request('POST', '/v1/sessions', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  }

  async scoped(email: string, organizationId: string) {
    const token = await this.signIn(email);
    return eventually(async () => {
      const res = await this.app.request('POST', '/v1/sessions/organization', { token, body: { organizationId } });
      expect(res.status).toBe(200);
      return res.body.accessToken as string;
    });
  }

  /** invites `email` with `role` as the Admin holding `adminToken`, and accepts as that user */
  async join(organizationId: string, adminToken: string, email: string, role: string) {
    const invite = await this.app.request('POST', `/v1/organizations/${organizationId}/invitations`, { token: adminToken, body: { email, role } });
    expect(invite.status).toBe(201);
    const accepted = await this.app.request('POST', `/v1/invitations/${invite.body.id}/accept`, { token: await this.signIn(email) });
    expect(accepted.status).toBe(200);
    return this.scoped(email, organizationId);
  }
}
