import 'reflect-metadata';
import { bootstrapService } from '@lib/service-kit';
import { IdentityModule } from './identity.module';
import { loadIdentityConfig } from './config';
import { SERVICE_REQUIRED_ENV, SERVICE_TOPICS } from './service';

bootstrapService({ name: 'identity', defaultPort: 3001, requiredEnv: SERVICE_REQUIRED_ENV, topics: SERVICE_TOPICS, loadConfig: loadIdentityConfig, module: IdentityModule });
