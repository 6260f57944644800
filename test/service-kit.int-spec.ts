import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IdentityIntegrationEvent } from '@lib/contracts';
import { InProcessMessageBus } from '@lib/messaging';
import { configureLogger, PlatformModule } from '@lib/platform';
import { serviceHandles } from '@lib/service-kit';
import { standaloneConfigSchema } from '../apps/standalone/src/standalone';
import { loadConfig } from '@lib/platform';
import { IdentityModule } from '../apps/identity/src/identity.module';
import { IdentityService } from '../apps/identity/src/identity.service';
import { OrganizationModule } from '../apps/organization/src/organization.module';
import { OrganizationsService } from '../apps/organization/src/organizations/organizations.service';
import { IdentityEventsConsumer } from '../apps/organization/src/directory/identity.consumer';
import { SecretBox } from '../apps/organization/src/resources/secret-box';
import { eventually, PASSWORD } from './support/harness';

jest.setTimeout(30_000);

/** the services are Nest modules whose providers a test replaces with @nestjs/testing */
describe('service kit: providers overridden with @nestjs/testing', () => {
  let dataDir: string;
  let app: NestFastifyApplication;
  const received: IdentityIntegrationEvent[] = [];
  const wrappedKey = { iv: 'aXY', ciphertext: 'ZmFrZQ', tag: 'dGFn' };
  const fakeSecrets = { newWrappedKey: () => wrappedKey };
  let organization: ReturnType<typeof OrganizationModule.register>;

  beforeAll(async () => {
    configureLogger('silent');
    dataDir = mkdtempSync(join(tmpdir(), 'kit-'));
    const config = loadConfig(standaloneConfigSchema, { DATA_DIR: dataDir, LOG_LEVEL: 'silent', REGION: 'us', OPERATOR_TOKEN: 'k'.repeat(40) });
    const deps = { config, bus: new InProcessMessageBus(), operatorToken: config.OPERATOR_TOKEN! };
    organization = OrganizationModule.register(deps);
    const moduleRef = await Test.createTestingModule({ imports: [PlatformModule, IdentityModule.register(deps), organization] })
      .overrideProvider(IdentityEventsConsumer)
      .useValue({ handle: async (event: IdentityIntegrationEvent) => void received.push(event) })
      .overrideProvider(SecretBox)
      .useValue(fakeSecrets)
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('subscribes the overriding consumer, and the relay delivers what identity records to it', async () => {
    const { id: userId } = await app.get(IdentityService).register({ email: 'kit@example.com', password: PASSWORD, displayName: 'Kit' });
    const event = await eventually(async () => {
      const found = received.find((e) => e.type === 'UserRegistered' && e.data.userId === userId);
      if (!found) throw new Error('not delivered yet');
      return found;
    });
    expect(event.data).toEqual({ userId, email: 'kit@example.com', displayName: 'Kit' });
  });

  it('builds services with the overriding provider', async () => {
    const created = await app.get(OrganizationsService).provision({ name: 'Kit Org', region: 'us', adminEmail: 'nobody@example.com' }, { kind: 'operator' });
    const { state } = await serviceHandles(app, organization).get(OrganizationsService).read(created.id, { kind: 'operator' }, 'console.access');
    expect(state.wrappedKey).toEqual(wrappedKey);
  });

  it('closes the stores on shutdown, after the relay', async () => {
    const handles = serviceHandles(app, organization);
    await app.close();
    await expect(handles.store.ping()).rejects.toThrow();
    app = undefined as never;
  });
});
