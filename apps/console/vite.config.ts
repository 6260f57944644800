import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The Console: a static single-page app served at `/` by the standalone (and by the gateway in deploy/). */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 12200),
    proxy: { '/v1': process.env.CONSOLE_API ?? 'http://127.0.0.1:3000', '/.well-known': process.env.CONSOLE_API ?? 'http://127.0.0.1:3000' },
  },
});
