import { existsSync, readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { renderAsyncApi, TOPIC_CATALOG } from '@lib/contracts';
import { ASYNCAPI_FILE } from '../scripts/write-asyncapi';
import { startApp } from './support/harness';

describe('AsyncAPI document (the integration-event catalog)', () => {
  it('is committed and in sync with the zod schemas (run `npm run asyncapi` after changing a contract)', () => {
    expect(existsSync(ASYNCAPI_FILE)).toBe(true);
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.0 document for the AsyncAPI parser: no errors, every topic and event type in it', async () => {
    const parser = new Parser();
    const { document, diagnostics } = await parser.parse(renderAsyncApi());
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!.channels().all().map((c) => c.address());
    expect(addresses.sort()).toEqual(TOPIC_CATALOG.map((t) => t.topic).sort());
    for (const topic of TOPIC_CATALOG) {
      const channel = document!.channels().all().find((c) => c.address() === topic.topic)!;
      expect(channel.messages().all().map((m) => m.name()).sort()).toEqual(Object.keys(topic.schemas).sort());
      for (const message of channel.messages().all()) {
        // an envelope's payload pins its type; the headers require the CloudEvents binding and pin ce_type
        if (topic.format === 'envelope') expect(message.payload()!.properties()!.type.const()).toBe(message.name());
        else expect(Object.keys(message.payload()!.properties()!).sort()).toEqual(['action', 'actor', 'details', 'organizationId', 'subject', 'time']);
        expect(message.headers()!.properties()!.ce_type.const()).toBe(`io.controlplane.${message.name()}`);
        expect(message.headers()!.required()).toEqual(expect.arrayContaining(['ce_id', 'ce_source', 'ce_type', 'ce_specversion', 'ce_time', 'ce_subject', 'content-type']));
        expect(message.bindings().get('kafka')!.value().key).toMatchObject({ type: 'string' });
      }
    }
  });

  it('the parser rejects a broken document (the validation above can fail)', async () => {
    const broken = JSON.parse(renderAsyncApi());
    broken.operations[Object.keys(broken.operations)[0]].action = 'publish';
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });

  it('is served at /docs/asyncapi.json, byte for byte the committed document', async () => {
    const app = await startApp();
    try {
      const res = await app.request('GET', '/docs/asyncapi.json');
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
      expect(JSON.stringify(res.body, null, 2) + '\n').toBe(readFileSync(ASYNCAPI_FILE, 'utf8'));
    } finally {
      await app.close();
    }
  });
});
