import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Agent, request } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHttpApp } from './http';
import { PlatformModule } from './health';

const agent = new Agent({ keepAlive: true });
afterAll(() => agent.destroy());

function get(port: number, path: string): Promise<{ status: number; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful drain on a shutdown signal', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeEach(async () => {
    process.env.SHUTDOWN_DRAIN_MS = '3000'; // long enough for a loaded machine to send the requests below
    @Module({ imports: [PlatformModule] })
    class TestModule {}
    app = await createHttpApp(TestModule, { title: 'drain-test', bodyLimit: 1024 * 1024, logger: false, logLevel: 'silent' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterEach(() => {
    delete process.env.SHUTDOWN_DRAIN_MS;
  });

  it('turns readiness false and closes connections after each response before it stops listening', async () => {
    const before = await get(port, '/health/ready');
    expect(before.status).toBe(200);
    expect(before.connection).toBe('keep-alive');

    // what Nest's SIGTERM handler runs (its close(signal) is typed without the argument); emitting the real
    // signal would end with process.kill of the test worker
    const closing = (app.close as (signal?: string) => Promise<void>).call(app, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const during = await get(port, '/health/ready');
    expect(during.status).toBe(503);
    expect(during.body).toContain('draining: this replica is shutting down');
    expect(during.connection).toBe('close');
    // still serving requests while the drain lasts (/metrics is not on the API port without a token)
    const catalog = await get(port, '/docs/asyncapi.json');
    expect(catalog.status).toBe(200);
    expect(catalog.connection).toBe('close');

    await closing;
    await expect(get(port, '/health/live')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('does not wait when closed without a signal', async () => {
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
