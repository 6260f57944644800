#!/usr/bin/env node
// Smoke test for the S3Proxy started by scripts/infra/s3-start.sh, using the `minio` client:
//  - create a bucket, put/get/stat an object, a multipart upload (3 parts of 5 MiB)
//  - a client with a wrong secret key is refused (signatures are checked), so is an unknown key
//  - a presigned GET URL works with curl, and the same URL with one signature character changed
//    is refused with HTTP 403
// Exits non-zero on any failure. Env: S3_PORT (9000), S3_ACCESS_KEY / S3_SECRET_KEY (minioadmin).
'use strict';

const crypto = require('crypto');
const { execFileSync } = require('child_process');
const Minio = require('minio');

const port = Number(process.env.S3_PORT || 9000);
const accessKey = process.env.S3_ACCESS_KEY || 'minioadmin';
const secretKey = process.env.S3_SECRET_KEY || 'minioadmin';
const bucket = `infra-verify-${Date.now()}-${process.pid}`;
const key = 'dir/hello.txt';
const body = Buffer.from(`hello from verify-s3 ${new Date().toISOString()}\n`);

function step(msg) {
  process.stdout.write(`[verify-s3] ${msg}\n`);
}

function client(opts = {}) {
  return new Minio.Client({
    endPoint: '127.0.0.1',
    port,
    useSSL: false,
    accessKey,
    secretKey,
    region: 'us-east-1',
    ...opts,
  });
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

function curl(url) {
  // prints "<status>\n<body>" ; -g: no globbing of [] {} in the URL
  const out = execFileSync('curl', ['-sS', '-g', '-m', '10', '-o', '-', '-w', '\n%{http_code}', url]).toString();
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}

async function expectRefused(what, fn, codes) {
  try {
    await fn();
  } catch (err) {
    if (codes.includes(err.code)) {
      step(`${what}: refused as expected (${err.code})`);
      return;
    }
    throw new Error(`${what}: expected one of ${codes.join(', ')}, got ${err.code || err.name}: ${err.message}`, { cause: err });
  }
  throw new Error(`${what}: request was ACCEPTED but must be refused (signature not checked?)`);
}

async function main() {
  const t0 = Date.now();
  const s3 = client();

  await s3.makeBucket(bucket, 'us-east-1');
  if (!(await s3.bucketExists(bucket))) throw new Error(`bucket ${bucket} does not exist after makeBucket`);
  step(`created bucket ${bucket}`);

  await s3.putObject(bucket, key, body, body.length, { 'Content-Type': 'text/plain' });
  const got = await readAll(await s3.getObject(bucket, key));
  if (!got.equals(body)) throw new Error(`getObject returned ${JSON.stringify(got.toString())}`);
  const stat = await s3.statObject(bucket, key);
  if (stat.size !== body.length) throw new Error(`statObject size ${stat.size} != ${body.length}`);
  step(`put/get/stat object ${key} (${body.length} bytes, etag ${stat.etag})`);

  // multipart: minio-js goes multipart above partSize (default 64 MiB, or for streams of unknown size)
  const big = crypto.randomBytes(11 * 1024 * 1024 + 123);
  const mp = client({ partSize: 5 * 1024 * 1024 });
  await mp.putObject(bucket, 'big.bin', big, big.length);
  const bigBack = await readAll(await s3.getObject(bucket, 'big.bin'));
  if (!bigBack.equals(big)) throw new Error('multipart object read back differs');
  const bigStat = await s3.statObject(bucket, 'big.bin');
  step(`multipart upload of ${big.length} bytes read back intact (etag ${bigStat.etag})`);

  // signatures are checked
  await expectRefused('wrong secret key (SigV4)', () => client({ secretKey: `${secretKey}x` }).listBuckets(), [
    'SignatureDoesNotMatch',
  ]);
  await expectRefused(
    'wrong secret key on getObject',
    async () => readAll(await client({ secretKey: 'not-the-secret' }).getObject(bucket, key)),
    ['SignatureDoesNotMatch'],
  );
  await expectRefused('unknown access key', () => client({ accessKey: 'nobody' }).listBuckets(), [
    'InvalidAccessKeyId',
    'AccessDenied',
  ]);
  const anon = curl(`http://127.0.0.1:${port}/${bucket}/${key}`);
  if (anon.status !== 403) throw new Error(`anonymous GET returned HTTP ${anon.status}, expected 403`);
  step('anonymous GET of the object: HTTP 403 as expected');

  // presigned URLs
  const url = await s3.presignedGetObject(bucket, key, 300);
  const ok = curl(url);
  if (ok.status !== 200 || ok.body !== body.toString()) {
    throw new Error(`presigned GET returned HTTP ${ok.status} body ${JSON.stringify(ok.body.slice(0, 300))}`);
  }
  step('presigned GET with curl: HTTP 200, body matches');

  const m = /([?&]X-Amz-Signature=)([0-9a-f]+)/.exec(url);
  if (!m) throw new Error(`no X-Amz-Signature in presigned URL ${url}`);
  const sig = m[2];
  const tamperedSig = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
  const tampered = url.replace(m[0], m[1] + tamperedSig);
  const bad = curl(tampered);
  if (bad.status !== 403) throw new Error(`tampered presigned GET returned HTTP ${bad.status}, expected 403`);
  step(`tampered presigned GET (one signature char changed): HTTP 403 ${(/<Code>([^<]+)/.exec(bad.body) || [])[1] || ''}`);

  const otherKey = curl(url.replace(encodeURIComponent(key).replace(/%2F/g, '/'), 'dir/other.txt'));
  if (otherKey.status !== 403) throw new Error(`presigned URL reused for another key returned HTTP ${otherKey.status}`);
  step('presigned URL reused for another key: HTTP 403');

  // clean up
  await s3.removeObjects(bucket, [key, 'big.bin']);
  await s3.removeBucket(bucket);
  step(`OK in ${Date.now() - t0} ms`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`[verify-s3] FAILED: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
