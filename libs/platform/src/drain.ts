import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { baseConfigSchema } from './config';
import { logger } from './observability';

/**
 * Graceful drain on SIGTERM, for replicas behind a load balancer. Nest runs, in order: this
 * `beforeApplicationShutdown`, then closes the HTTP server (in-flight requests finish), then the services'
 * `onApplicationShutdown` (relay flush, consumers, stores). Here, before any of that:
 *  1. readiness turns false (`/health/ready` answers 503), so Kubernetes takes the pod out of its Service;
 *  2. every response carries `Connection: close`, so a proxy's kept-alive connections to this replica end
 *     after the request they carry, and the next request opens a connection elsewhere;
 *  3. wait SHUTDOWN_DRAIN_MS for both to take effect; then the listening socket closes, and a proxy that
 *     still tries this replica gets a refused connection, which it retries on another one (nothing was sent).
 * `app.close()` without a signal (tests, the standalone process) does not wait.
 */
@Injectable()
export class GracefulDrain implements OnModuleInit, BeforeApplicationShutdown {
  private draining = false;
  private readonly delayMs: number;

  constructor(private readonly adapterHost: HttpAdapterHost) {
    // validated with the rest of the base configuration at boot; read here because this module is static
    this.delayMs = baseConfigSchema.shape.SHUTDOWN_DRAIN_MS.parse(process.env.SHUTDOWN_DRAIN_MS || undefined);
  }

  /** a readiness check (PlatformModule registers it): fails once draining started */
  async check() {
    if (this.draining) throw new Error('draining: this replica is shutting down');
  }

  get isDraining() {
    return this.draining;
  }

  onModuleInit() {
    const instance = this.adapterHost.httpAdapter?.getInstance?.() as
      | { addHook?: (name: 'onSend', hook: (req: unknown, reply: { header(k: string, v: string): void }, payload: unknown, done: (e: null, p: unknown) => void) => void) => void }
      | undefined;
    instance?.addHook?.('onSend', (_req, reply, payload, done) => {
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  async beforeApplicationShutdown(signal?: string) {
    if (!signal) return;
    this.draining = true;
    logger('main').info({ signal, drainMs: this.delayMs }, 'draining: readiness false, closing kept-alive connections');
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }
}
