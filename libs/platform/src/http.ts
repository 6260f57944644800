import { INestApplication, ValidationPipe, BadRequestException, ValidationError } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ProblemDetailsFilter } from './problem-details.filter';
import { configureLogger } from './observability';
import { instrumentHttp, PinoNestLogger } from './instrumentation';
import { serveAsyncApi } from './asyncapi-route';
import helmet from '@fastify/helmet';
import { configureMetricsAccess, startMetricsServer } from './metrics-access';
import { frameworkErrorAsProblem, installInputHygiene, writeClientError } from './input-hygiene.http';

export interface HttpAppOptions {
  title: string;
  bodyLimit: number;
  /** bodies of content-type application/zip (package uploads) are handed over as a stream; a declared length above this is refused (413) */
  zipBodyLimit?: number;
  /** pino level of the process's JSON logs */
  logLevel?: string;
  /** false silences Nest's own messages (tests); otherwise they go to the JSON logger */
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
  /** TRUSTED_PROXIES: only these peers' X-Forwarded-For sets the client address (default: none) */
  trustedProxies?: readonly string[];
  /** METRICS_TOKEN unlocks /metrics on this port; METRICS_PORT serves them on their own listener */
  metrics?: { token?: string; port?: number; host?: string };
}

function flatten(errors: ValidationError[], parent = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** the one validation pipe: unknown fields and wrong types are refused, with every failing field listed */
export function validationPipe() {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new BadRequestException({ detail: 'the request body is invalid', errors: flatten(errors) }),
  });
}

export async function createHttpApp(module: unknown, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    // X-Forwarded-For is anyone's to write: believed only from the configured proxies (proxy-addr CIDRs)
    trustProxy: [...(options.trustedProxies ?? [])],
    // errors Node's parser raises before Fastify sees a request (431 headers too large, 400 bad request line)
    clientErrorHandler: writeClientError,
    frameworkErrors: frameworkErrorAsProblem as never,
  });
  configureLogger(options.logLevel ?? 'info');
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: options.logger === false ? false : new PinoNestLogger(),
    bufferLogs: false,
    // the JSON parser is ours (installInputHygiene): Nest's would replace it at init
    bodyParser: false,
  });
  // JSON APIs: a text/plain body is an unsupported media type (415), not a string to validate
  const fastify = app.getHttpAdapter().getInstance();
  instrumentHttp(fastify as unknown as Parameters<typeof instrumentHttp>[0]);
  fastify.removeContentTypeParser('text/plain');
  installInputHygiene(fastify);
  // security headers on every answer; the CSP lets the bundled Swagger UI at /docs run
  await app.register(helmet as never, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  if (options.zipBodyLimit) {
    // handed over as the request stream, for the handler to spool to disk (a declared length over the limit is
    // refused here; the handler counts what actually arrives)
    const zipLimit = options.zipBodyLimit;
    fastify.addContentTypeParser(['application/zip', 'application/octet-stream'], (request, payload, done) => {
      if (Number(request.headers['content-length']) > zipLimit) {
        done(Object.assign(new Error(`the request body is larger than the ${zipLimit} bytes allowed`), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), undefined);
        return;
      }
      done(null, payload);
    });
  }
  configureMetricsAccess(options.metrics?.token);
  if (options.metrics?.port) {
    const server = await startMetricsServer(options.metrics.port, options.metrics.host ?? '0.0.0.0');
    fastify.addHook('onClose', (_instance, done) => void server.close(() => done()));
  }
  configureHttpApp(app, options.title);
  return app;
}

export function configureHttpApp(app: INestApplication, title: string): OpenAPIObject {
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = openApiDocument(app, title);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  serveAsyncApi(app);
  return document;
}

const extraPaths: Record<string, unknown> = {};
/** routes registered on Fastify directly (outside Nest's controllers) describe themselves here */
export function registerOpenApiPaths(paths: Record<string, unknown>) {
  Object.assign(extraPaths, paths);
}

export function openApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription('Organizations control plane: identity, organizations, memberships and roles.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or operator token' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.paths = Object.fromEntries(
    Object.entries({ ...document.paths, ...(extraPaths as OpenAPIObject['paths']) }).sort(([a], [b]) => a.localeCompare(b)),
  );
  return document;
}
