import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { spoolUpload } from './package-upload';

describe('spooling an upload to disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the stream to a private file, with its size and sha256, and removes it on dispose', async () => {
    const data = randomBytes(300_000);
    const upload = await spoolUpload(Readable.from([data.subarray(0, 1000), data.subarray(1000)], { objectMode: false }), 1_000_000, dir);
    expect(upload.size).toBe(data.length);
    expect(upload.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(readFileSync(upload.path).equals(data)).toBe(true);
    await upload.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops an upload that grows past the limit (413 package-too-large) and leaves no file', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    await expect(spoolUpload(endless, 1_000_000, dir)).rejects.toMatchObject({ status: 413, code: 'package-too-large' });
    expect(produced).toBeLessThan(2_000_000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('turns a broken stream into a refused upload and leaves no file', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(spoolUpload(broken, 1_000_000, dir)).rejects.toMatchObject({ status: 400, code: 'not-a-zip' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
