import 'reflect-metadata';
import { bootstrapService } from '@lib/service-kit';
import { OrganizationModule } from './organization.module';
import { loadOrganizationConfig } from './config';
import { ORGANIZATION_TOPICS, SERVICE_REQUIRED_ENV } from './service';

bootstrapService({ name: 'organization', defaultPort: 3002, requiredEnv: SERVICE_REQUIRED_ENV, topics: ORGANIZATION_TOPICS, loadConfig: loadOrganizationConfig, module: OrganizationModule });
