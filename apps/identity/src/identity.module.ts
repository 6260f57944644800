import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { AUTH_CONFIG, authConfig, AuthGuard, inProcessKeySet, LocalKeySet, regionalVerifier } from '@lib/auth';
import { ORGANIZATION_EVENTS_TOPIC } from '@lib/contracts';
import { consumer, EventSourcedServiceModule, OPERATOR_TOKEN, SERVICE_CONFIG, ServiceDependencies } from '@lib/service-kit';
import { IdentityConfig } from './config';
import { IdentityService } from './identity.service';
import { IdentityController } from './identity.controller';
import { SigningKeys } from './keys/signing-keys';
import { toIntegrationMessage } from './users/user.integration';
import { UserRepository } from './users/user.repository';
import { SessionRepository } from './sessions/session.repository';
import { InvitationsRepository, KnownOrganizationRepository } from './directory/directory.repositories';
import { OrganizationEventsConsumer, parseOrganizationMessage } from './directory/organization.consumer';
import { VerificationController } from './verification/verification.controller';
import { VerificationRepository } from './verification/verification.repository';
import { VerificationService } from './verification/verification.service';
import { MfaController } from './mfa/mfa.controller';
import { MfaRepository } from './mfa/mfa.repository';
import { MfaService } from './mfa/mfa.service';
import { TotpSecretBox } from './mfa/totp-secret-box';
import { MembershipIndexRepository } from './regions/membership-index.repository';
import { MembershipIndexRelay } from './regions/membership-index.relay';
import { RegionPeersClient } from './regions/region-peers.client';
import { RegionsController } from './regions/regions.controller';
import { RegionsService } from './regions/regions.service';
import { RecoveryController } from './recovery/recovery.controller';
import { PasswordResetRepository, UserSessionsRepository } from './recovery/recovery.repositories';
import { RecoveryService } from './recovery/recovery.service';
import { SessionGenerations } from './recovery/session-generations';
import { FormBodyParser, ServiceCredentialsController } from './service-credentials/service-credentials.controller';
import { ServiceCredentialRepository } from './service-credentials/service-credential.repository';
import { ServiceCredentialsService } from './service-credentials/service-credentials.service';
import { AccountDeletionController } from './account-deletion/account-deletion.controller';
import { AccountDeletionService } from './account-deletion/account-deletion.service';
import { organizationAdminsProjection } from './account-deletion/organization-admins.projection';
import { identityPersonalData } from './account-deletion/personal-data.policy';
import { linkTokensProvider, MailDispatcherLifecycle, mailDispatcherProvider } from './mail/mail.providers';

/** in the standalone, the other services verify tokens with identity's keys without fetching them over HTTP */
@Injectable()
class PublishKeysInProcess implements OnModuleInit {
  constructor(private readonly keys: SigningKeys) {}

  onModuleInit() {
    inProcessKeySet.publish(this.keys.jwks());
  }
}

/** users, sessions and tokens, verified email and the mail it sends; what identity learns from organization */
@Module({})
export class IdentityModule {
  static register(deps: ServiceDependencies<IdentityConfig>) {
    return EventSourcedServiceModule.forRoot(
      {
        module: IdentityModule,
        name: 'identity',
        controllers: [IdentityController, VerificationController, MfaController, RegionsController, RecoveryController, ServiceCredentialsController, AccountDeletionController],
        projections: [organizationAdminsProjection],
        personalData: identityPersonalData,
        integration: toIntegrationMessage,
        consumers: [consumer({ topic: ORGANIZATION_EVENTS_TOPIC, parse: parseOrganizationMessage, handler: OrganizationEventsConsumer })],
        providers: [
          {
            provide: SigningKeys,
            inject: [SERVICE_CONFIG],
            useFactory: (config: IdentityConfig) => new SigningKeys(config.SIGNING_KEYS_DIR ?? join(config.DATA_DIR, 'identity', 'keys')).load(),
          },
          {
            // identity verifies its own tokens with its own keys
            provide: AUTH_CONFIG,
            inject: [SERVICE_CONFIG, OPERATOR_TOKEN, SigningKeys],
            useFactory: (config: IdentityConfig, token: string, keys: SigningKeys) => {
              const local = new LocalKeySet();
              local.publish(keys.jwks());
              return authConfig(config, token, regionalVerifier({ local }, config));
            },
          },
          AuthGuard,
          {
            provide: TotpSecretBox,
            inject: [SERVICE_CONFIG],
            useFactory: (config: IdentityConfig) => TotpSecretBox.fromConfig(config.MFA_MASTER_KEY, join(config.DATA_DIR, 'identity', 'mfa.key')),
          },
          MfaRepository,
          MfaService,
          UserRepository,
          SessionRepository,
          KnownOrganizationRepository,
          InvitationsRepository,
          VerificationRepository,
          linkTokensProvider,
          mailDispatcherProvider,
          MailDispatcherLifecycle,
          VerificationService,
          IdentityService,
          PasswordResetRepository,
          UserSessionsRepository,
          SessionGenerations,
          RecoveryService,
          OrganizationEventsConsumer,
          PublishKeysInProcess,
          // one account across regions (docs/regions.md): idle with no REGION_PEERS
          RegionPeersClient,
          MembershipIndexRepository,
          RegionsService,
          MembershipIndexRelay,
          ServiceCredentialRepository,
          ServiceCredentialsService,
          FormBodyParser,
          AccountDeletionService,
        ],
      },
      deps,
    );
  }
}
