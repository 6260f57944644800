import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** what the Console may load: only its own files and this origin's API (no CDN, no font service, no framing) */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built Console (a static single-page app, `npm run console:build`) at `/`. Only the files present at boot
 * get a route (no wildcard), so every API route and 404 stays as it was; the Console uses hash routes and needs no
 * fallback. Returns the directory served, or null when no build is there (the API runs without a Console).
 */
export async function serveConsole(app: NestFastifyApplication, dir: string): Promise<string | null> {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) return null;
  await app.register(fastifyStatic as never, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    decorateReply: false,
    cacheControl: false,
    setHeaders: (res: { setHeader(name: string, value: string): void }, path: string) => {
      res.setHeader('content-security-policy', CONSOLE_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      // hashed asset names never change content; index.html must be revalidated to pick up a new build
      res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  redirectInvitationLinks(app);
  return root;
}

const INVITATION_ID = /^inv-[\w-]{1,64}$/;
const LINK_TOKEN = /^[\w.-]{1,300}$/;

/**
 * The invitation mail links to `/invitations/<id>?token=…` (a path any mail reader keeps); the Console's page for it is
 * the hash route `#/invitations/<id>`, so the server answers with a redirect to `/?token=…#/invitations/<id>`. Only an
 * invitation id and a token of the expected shapes pass into the address; anything else is a 404 problem.
 */
function redirectInvitationLinks(app: NestFastifyApplication) {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/invitations/:id', (request, reply) => {
    const id = (request.params as { id?: string }).id ?? '';
    const token = (request.query as { token?: unknown }).token;
    if (!INVITATION_ID.test(id) || (token !== undefined && (typeof token !== 'string' || !LINK_TOKEN.test(token)))) {
      return reply
        .code(404)
        .header('content-type', 'application/problem+json')
        .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no invitation link of this shape', code: 'not-found' });
    }
    const query = typeof token === 'string' ? `?token=${encodeURIComponent(token)}` : '';
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(`/${query}#/invitations/${id}`, 302);
  });
}
