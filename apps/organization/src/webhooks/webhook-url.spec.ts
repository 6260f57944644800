import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DomainError } from '@lib/eventstore';
import { checkWebhookUrl, isPublicAddress, parseWebhookUrl, resolvePublic } from './webhook-url';
import { sendWebhook } from './webhook-sender';

describe('webhook URLs (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254', // cloud metadata
    '100.100.100.200', // Alibaba metadata (carrier-grade NAT range)
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6 (unique-local)
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:7f00:1::', // 6to4 of 127.0.0.1
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['ftp://example.com/hook', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
    ['http://user:pw@example.com/hook', 'credentials'],
    ['https://example.com/hook#frag', 'fragment'],
    ['not a url', 'not a valid absolute URL'],
    [`https://example.com/${'a'.repeat(2100)}`, 'at most'],
  ])('refuses a URL: %#', (url, why) => {
    expect(() => parseWebhookUrl(url)).toThrow(why);
  });

  it('refuses a host any of whose addresses is private, unless private addresses are allowed', async () => {
    const resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    await expect(resolvePublic('mixed.example', false, resolver)).rejects.toThrow('10.0.0.7');
    await expect(resolvePublic('mixed.example', true, resolver)).resolves.toHaveLength(2);
    const refused = await checkWebhookUrl('https://mixed.example/hook', false, resolver).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('webhook-url-refused');
    await expect(checkWebhookUrl('http://[::ffff:7f00:1]:8080/x', false)).rejects.toThrow('not a public address');
    await expect(checkWebhookUrl('http://0.0.0.0/x', false)).rejects.toThrow('not a public address');
  });
});

describe('sending a webhook', () => {
  let server: Server;
  let url: string;
  let hits: number;
  let answer: (res: import('node:http').ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  beforeEach(() => (hits = 0));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const options = { allowPrivate: true, timeoutMs: 500, maxResponseBytes: 16 };

  it('connects only to the address it checked: a name resolving to loopback is refused before any connection', async () => {
    answer = (res) => res.end('ok');
    const rebinding = async () => [{ address: '127.0.0.1', family: 4 }];
    const result = await sendWebhook(url.replace('127.0.0.1', 'rebind.example'), {}, '{}', { ...options, allowPrivate: false, resolve: rebinding });
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toContain('not a public address');
    expect(hits).toBe(0);
    const literal = await sendWebhook(url, {}, '{}', { ...options, allowPrivate: false });
    expect(literal.error).toContain('not a public address');
    expect(hits).toBe(0);
  });

  it('reports a 2xx as delivered, with its latency and the start of the answer (bounded)', async () => {
    answer = (res) => res.end('x'.repeat(100_000));
    const result = await sendWebhook(url, {}, '{}', options);
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(result.responseExcerpt).toHaveLength(16);
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('does not follow a redirect', async () => {
    answer = (res) => {
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    };
    const result = await sendWebhook(url, {}, '{}', options);
    expect(result).toMatchObject({ ok: false, statusCode: 307, error: 'redirect (307) not followed' });
    expect(hits).toBe(1);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    answer = () => undefined; // never answers
    const result = await sendWebhook(url, {}, '{}', { ...options, timeoutMs: 200 });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('no complete answer within 200 ms');
  });

  it('reports a non-2xx answer as failed with its code', async () => {
    answer = (res) => {
      res.writeHead(503);
      res.end('busy');
    };
    expect(await sendWebhook(url, {}, '{}', options)).toMatchObject({ ok: false, statusCode: 503, error: 'HTTP 503', responseExcerpt: 'busy' });
  });
});
