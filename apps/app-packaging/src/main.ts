import 'reflect-metadata';
import { bootstrapService } from '@lib/service-kit';
import { AppPackagingModule } from './app-packaging.module';
import { loadPackagingConfig } from './config';
import { PACKAGING_TOPICS, SERVICE_REQUIRED_ENV } from './service';

bootstrapService({
  name: 'app-packaging',
  defaultPort: 3003,
  requiredEnv: SERVICE_REQUIRED_ENV,
  topics: PACKAGING_TOPICS,
  loadConfig: loadPackagingConfig,
  module: AppPackagingModule,
  zipBodyLimit: (config) => config.PACKAGE_MAX_BYTES,
});
