import { Controller, Get, Global, Header, Headers, Injectable, Module, NotFoundException } from '@nestjs/common';
import { metricsAllowed } from './metrics-access';
import { scrape } from './observability';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

export type ReadinessCheck = () => Promise<Record<string, unknown> | void>;

/** services register what "ready" means for them: store answers, bus answers, read models caught up */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  register(name: string, check: ReadinessCheck) {
    this.checks.set(name, check);
  }
  entries() {
    return [...this.checks.entries()];
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
  ) {}

  /** the process is up and its event loop answers */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([async () => this.indicator.check('process').up({ pid: process.pid })]);
  }

  /** every dependency answers and the read models have caught up */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.registry.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
        const indicator = this.indicator.check(name);
        try {
          const details = await withTimeout(check(), 2000);
          return indicator.up(details ?? {});
        } catch (error) {
          return indicator.down({ reason: (error as Error).message });
        }
      }),
    );
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Prometheus metrics of this process */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(@Headers('authorization') authorization?: string) {
    // not public: only with METRICS_TOKEN (else use METRICS_PORT); an unauthorised caller learns nothing is here
    if (!metricsAllowed(authorization)) throw new NotFoundException('Cannot GET /metrics');
    return scrape();
  }
}

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class PlatformModule {}

/** what a service's readiness is made of: its store and bus answer, its read models have caught up */
export interface ReadinessSources {
  store: { ping(): Promise<void>; headPosition(): Promise<number> };
  bus: { ping(): Promise<void> };
  relay: { lag(): Promise<number> };
  projections?: { checkpoint: number; failed: unknown };
  storage?: { ping(): Promise<void> };
  /** read models further behind the log than this are not ready */
  maxProjectionLag?: number;
}

export function registerServiceReadiness(registry: ReadinessRegistry, service: string, sources: ReadinessSources) {
  registry.register(`${service}.store`, async () => {
    await sources.store.ping();
  });
  registry.register(`${service}.bus`, async () => {
    await sources.bus.ping();
  });
  registry.register(`${service}.relay`, async () => ({ lag: await sources.relay.lag() }));
  if (sources.storage) {
    const storage = sources.storage;
    registry.register(`${service}.object-storage`, async () => {
      await storage.ping();
    });
  }
  if (sources.projections) {
    const projections = sources.projections;
    registry.register(`${service}.read-models`, async () => {
      if (projections.failed) throw new Error(`projections stopped: ${String(projections.failed)}`);
      const lag = (await sources.store.headPosition()) - projections.checkpoint;
      if (lag > (sources.maxProjectionLag ?? 1000)) throw new Error(`read models are ${lag} events behind`);
      return { position: projections.checkpoint, lag };
    });
  }
}
