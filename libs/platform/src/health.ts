import { Controller, Get, Global, Header, Headers, Injectable, Module, NotFoundException } from '@nestjs/common';
import { CatchUpProgress, withTimeout } from '@lib/eventstore';
import { metricsAllowed } from './metrics-access';
import { metrics, onScrape, scrape } from './observability';
import { GracefulDrain } from './drain';
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
          const details = await withTimeout(check(), 2000, 'no answer in 2000 ms');
          return indicator.up(details ?? {});
        } catch (error) {
          return indicator.down({ reason: (error as Error).message, ...(error instanceof NotReadyError ? error.details : {}) });
        }
      }),
    );
  }
}

/** a readiness check that fails with details worth showing (how far behind, how fast it catches up) */
export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
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
  providers: [ReadinessRegistry, GracefulDrain],
  exports: [ReadinessRegistry, GracefulDrain],
})
export class PlatformModule {
  constructor(registry: ReadinessRegistry, drain: GracefulDrain) {
    registry.register('drain', () => drain.check());
  }
}

/** what a service's readiness is made of: its store and bus answer, its read models have caught up */
/** what a batch consumer on Kafka reports (KafkaMessageBus.consumerProgress) */
export interface ConsumerCatchUp {
  topic: string;
  group: string;
  behind: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

export interface ReadinessSources {
  store: { ping(): Promise<void>; headPosition(): Promise<number> };
  /** a bus whose batch consumers can tell how far behind they are reports it too */
  bus: { ping(): Promise<void>; consumerProgress?(): ConsumerCatchUp[] };
  relay: { lag(): Promise<number>; progress?(): Promise<CatchUpProgress> };
  projections?: { checkpoint: number; failed: unknown; progress?(): Promise<CatchUpProgress> };
  storage?: { ping(): Promise<void> };
  /** read models further behind the log than this are not ready */
  maxProjectionLag?: number;
}

const catchUpDetails = (p: CatchUpProgress) => ({ behind: p.behind, ratePerSecond: p.ratePerSecond, etaSeconds: p.etaSeconds });

/**
 * Readiness of a service: store, bus, relay, object storage and read models. The relay, the read models and
 * Kafka batch consumers report their catch-up progress (events behind, recent rate, estimated seconds left)
 * in their details, and as the catchup_* metrics.
 */
export function registerServiceReadiness(registry: ReadinessRegistry, service: string, sources: ReadinessSources) {
  registry.register(`${service}.store`, async () => {
    await sources.store.ping();
  });
  registry.register(`${service}.bus`, async () => {
    await sources.bus.ping();
    const consumers = sources.bus.consumerProgress?.();
    return consumers && consumers.length > 0 ? { consumers } : undefined;
  });
  registry.register(`${service}.relay`, async () => {
    const lag = await sources.relay.lag();
    return sources.relay.progress ? { lag, ...catchUpDetails(await sources.relay.progress()) } : { lag };
  });
  onScrape(async () => {
    const set = (reader: string, p: { behind: number; ratePerSecond: number; etaSeconds: number | null }) => {
      metrics.catchUpBehind.labels(service, reader).set(p.behind);
      metrics.catchUpRate.labels(service, reader).set(p.ratePerSecond);
      metrics.catchUpEta.labels(service, reader).set(p.etaSeconds ?? -1);
    };
    if (sources.relay.progress) set('relay', await sources.relay.progress());
    if (sources.projections?.progress) set('read-models', await sources.projections.progress());
    for (const c of sources.bus.consumerProgress?.() ?? []) set(`consumer:${c.topic}`, c);
  });
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
      const progress = projections.progress ? catchUpDetails(await projections.progress()) : null;
      if (lag > (sources.maxProjectionLag ?? 1000)) {
        const eta = progress && progress.etaSeconds !== null ? ` (${progress.ratePerSecond} events/s, about ${progress.etaSeconds} s to go)` : '';
        throw new NotReadyError(`read models are ${lag} events behind${eta}`, { position: projections.checkpoint, lag, ...progress });
      }
      return { position: projections.checkpoint, lag, ...progress };
    });
  }
}
