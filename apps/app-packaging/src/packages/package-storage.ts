import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import { join } from 'node:path';
import { createObjectStorage, ObjectStorage } from '@lib/object-storage';
import { logger, ReadinessRegistry } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { PackagingConfig } from '../config';

/** where exported packages are stored (the filesystem under DATA_DIR/app-packaging, or S3) */
export const PACKAGE_STORAGE = Symbol('PACKAGE_STORAGE');

export const packageStorageProvider: Provider = {
  provide: PACKAGE_STORAGE,
  inject: [SERVICE_CONFIG],
  useFactory: (config: PackagingConfig) => createObjectStorage({ ...config, dataDir: join(config.DATA_DIR, 'app-packaging') }),
};

/** the bucket is created when missing (retried while the store is down), reported in readiness, closed last */
@Injectable()
export class PackageStorageLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private started = false;

  constructor(
    @Inject(PACKAGE_STORAGE) private readonly storage: ObjectStorage,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit() {
    this.started = true;
    void this.ensureBucket();
  }

  onApplicationBootstrap() {
    this.readiness.register('app-packaging.object-storage', async () => {
      await this.storage.ping();
    });
  }

  async onApplicationShutdown() {
    if (!this.started) return;
    this.started = false;
    await this.storage.close();
  }

  private async ensureBucket() {
    const storage = this.storage as ObjectStorage & { ensureBucket?: () => Promise<void> };
    if (!storage.ensureBucket) return;
    for (let delay = 500; this.started; delay = Math.min(delay * 2, 10_000)) {
      try {
        await storage.ensureBucket();
        return;
      } catch (error) {
        logger('app-packaging').warn({ err: (error as Error).message, delay }, 'bucket not ready; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
