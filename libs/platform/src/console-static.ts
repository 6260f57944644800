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
  return root;
}
