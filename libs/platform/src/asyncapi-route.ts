import { INestApplication } from '@nestjs/common';
import { renderAsyncApi } from '@lib/contracts';

/** serves the integration-event catalog (the same document as docs/asyncapi.json) at /docs/asyncapi.json */
export function serveAsyncApi(app: INestApplication) {
  const document = renderAsyncApi();
  const fastify = app.getHttpAdapter().getInstance() as {
    get(path: string, handler: (req: unknown, reply: { type(t: string): { send(b: string): unknown } }) => unknown): void;
  };
  fastify.get('/docs/asyncapi.json', (_req, reply) => reply.type('application/json; charset=utf-8').send(document));
}
