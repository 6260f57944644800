import 'reflect-metadata';
import { bootstrapService } from '@lib/service-kit';
import { OrganizationModule } from './organization.module';
import { loadOrganizationConfig } from './config';
import { SERVICE_REQUIRED_ENV, SERVICE_TOPICS } from './service';

bootstrapService({ name: 'organization', defaultPort: 3002, requiredEnv: SERVICE_REQUIRED_ENV, topics: SERVICE_TOPICS, loadConfig: loadOrganizationConfig, module: OrganizationModule });
