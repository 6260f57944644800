import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { join } from 'node:path';
import { AUTH_CONFIG, AuthConfig, authConfig, AuthGuard, ORGANIZATION_ACCESS, OrganizationAccess, OrgPermissionGuard, regionalVerifier } from '@lib/auth';
import { IDENTITY_EVENTS_TOPIC } from '@lib/contracts';
import { registerOpenApiPaths } from '@lib/platform';
import { consumer, EventSourcedServiceModule, OPERATOR_TOKEN, SERVICE_CONFIG, ServiceDependencies } from '@lib/service-kit';
import { authzCheckOpenApi, registerAuthzCheckRoute } from './authz/authz.route';
import { ForwardAuthRoute, forwardAuthOpenApi } from './authz/forward-auth.route';
import { OrganizationConfig } from './config';
import { OrganizationsService } from './organizations/organizations.service';
import { InvitationsController, OrganizationsController } from './organizations/organizations.controller';
import { OrganizationRepository } from './organizations/organization.repository';
import { organizationProjections } from './organizations/projections/organization-read-models';
import { OrganizationReadModel } from './organizations/projections/organization.read-model';
import { toIntegrationMessage } from './organizations/organization.integration';
import { AuthzController } from './authz/authz.controller';
import { ResourcesController } from './resources/resources.controller';
import { ResourcesService } from './resources/resources.service';
import { SecretBox } from './resources/secret-box';
import { MfaRequirementController } from './mfa-requirement/mfa-requirement.controller';
import { KnownUserRepository } from './directory/known-user.repository';
import { AccountErasure } from './account-deletion/account-erasure.service';
import { organizationPersonalData } from './account-deletion/personal-data.policy';
import { IdentityEventsConsumer, parseIdentityMessage } from './directory/identity.consumer';
import { AuditController } from './audit/audit.controller';
import { AuditConsumers } from './audit/audit.consumers';
import { auditProjection } from './audit/audit.read-model';
import { WebhooksController } from './webhooks/webhooks.controller';
import { webhookProviders } from './webhooks/webhook.providers';
import { InvitationLifecycleController } from './invitations/invitations.controller';
import { InvitationLifecycleService } from './invitations/invitations.service';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { apiKeysProjection } from './api-keys/api-keys.read-model';
import { toApiKeyIntegrationMessage } from './api-keys/api-key.integration';

registerOpenApiPaths(authzCheckOpenApi);
registerOpenApiPaths(forwardAuthOpenApi);

/** POST /v1/authz/check is a plain Fastify route (the gateway's hot path) */
@Injectable()
class AuthzCheckRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly organizations: OrganizationsService,
    @Inject(AUTH_CONFIG) private readonly auth: AuthConfig,
  ) {}

  onModuleInit() {
    registerAuthzCheckRoute(this.adapterHost.httpAdapter.getInstance(), this.organizations, this.auth);
  }
}

/** organizations, their members, invitations and resources; the authorization check of the gateway */
@Module({})
export class OrganizationModule {
  static register(deps: ServiceDependencies<OrganizationConfig>) {
    return EventSourcedServiceModule.forRoot(
      {
        module: OrganizationModule,
        name: 'organization',
        controllers: [
          OrganizationsController,
          InvitationsController,
          AuthzController,
          ResourcesController,
          AuditController,
          WebhooksController,
          MfaRequirementController,
          InvitationLifecycleController,
          ApiKeysController,
        ],
        projections: [...organizationProjections, auditProjection, apiKeysProjection],
        personalData: organizationPersonalData,
        // organization's own streams on organization.events.v1, API keys on organization.api-keys.v1
        integration: (event) => toIntegrationMessage(event) ?? toApiKeyIntegrationMessage(event),
        consumers: [consumer({ topic: IDENTITY_EVENTS_TOPIC, parse: parseIdentityMessage, handler: IdentityEventsConsumer })],
        providers: [
          {
            provide: AUTH_CONFIG,
            inject: [SERVICE_CONFIG, OPERATOR_TOKEN, ApiKeysService],
            useFactory: (config: OrganizationConfig, token: string, apiKeys: ApiKeysService) => ({
              ...authConfig(config, token, regionalVerifier({ jwksUrl: config.JWKS_URL }, config)),
              apiKeys, // organization API keys are kept (and resolved) here
            }),
          },
          {
            provide: SecretBox,
            inject: [SERVICE_CONFIG],
            useFactory: (config: OrganizationConfig) => SecretBox.fromConfig(config.SECRETS_MASTER_KEY, join(config.DATA_DIR, 'organization', 'master.key')),
          },
          AuthGuard,
          OrgPermissionGuard,
          {
            // @OrgPermission decides from the organization's write model (its current state, never a token's claims)
            provide: ORGANIZATION_ACCESS,
            inject: [OrganizationsService],
            useFactory: (organizations: OrganizationsService): OrganizationAccess => ({
              authorize: (id, principal, permission) => organizations.read(id, principal, permission),
            }),
          },
          OrganizationRepository,
          KnownUserRepository,
          OrganizationsService,
          OrganizationReadModel,
          InvitationLifecycleService,
          ResourcesService,
          IdentityEventsConsumer,
          AccountErasure,
          AuditConsumers,
          AuthzCheckRoute,
          ApiKeyRepository,
          ApiKeysService,
          ForwardAuthRoute,
          ...webhookProviders,
        ],
      },
      deps,
    );
  }
}
