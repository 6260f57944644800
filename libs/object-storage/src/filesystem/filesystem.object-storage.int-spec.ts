import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectStorageContract, chunked, failingStream, readAll } from '../testing/object-storage.contract';
import { FilesystemObjectStorage } from './filesystem.object-storage';

const root = mkdtempSync(join(tmpdir(), 'os-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
objectStorageContract('filesystem', async () => new FilesystemObjectStorage({ directory: join(root, `store-${n++}`) }), {
  presignedUrls: false,
});
objectStorageContract('filesystem (shared directory, no fsync)', async () => new FilesystemObjectStorage({ directory: join(root, 'shared'), fsync: false }), {
  presignedUrls: false,
});

/** every file under dir, relative */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

describe('filesystem object storage on disk', () => {
  let dir: string;
  let store: FilesystemObjectStorage;
  beforeEach(() => {
    dir = join(root, `disk-${n++}`);
    store = new FilesystemObjectStorage({ directory: dir });
  });
  afterEach(() => store.close());

  it('keeps one data file and one sidecar JSON per object, and no temp files', async () => {
    await store.put('org-1/app.zip', Buffer.from('v1'), { contentType: 'application/zip', metadata: { build: '1' } });
    await store.put('org-1/app.zip', Buffer.from('version 2'), { contentType: 'application/zip', metadata: { build: '2' } });
    const all = files(dir);
    expect(all).toHaveLength(2);
    const sidecarName = all.find((f) => f.endsWith('.json')) as string;
    const sidecar = JSON.parse(readFileSync(join(dir, sidecarName), 'utf8'));
    expect(sidecar).toMatchObject({ key: 'org-1/app.zip', size: 9, contentType: 'application/zip', metadata: { build: '2' } });
    expect(all).toContain(join(sidecarName, '..', sidecar.data));
    expect(readFileSync(join(dir, sidecarName, '..', sidecar.data), 'utf8')).toBe('version 2');
    await store.delete('org-1/app.zip');
    expect(files(dir)).toEqual([]);
  });

  it('leaves no temp or data file behind when a put fails', async () => {
    await expect(store.put('a/b', failingStream(300_000, 'disk test failure'))).rejects.toThrow('disk test failure');
    await expect(store.put('a/b', chunked(Buffer.alloc(1000), 100), { size: 10 })).rejects.toThrow('longer than');
    expect(files(dir)).toEqual([]);
  });

  it('never shows a half-written object: readers during a slow overwrite see the old bytes', async () => {
    const old = Buffer.alloc(200_000, 'o');
    const next = Buffer.alloc(200_000, 'n');
    await store.put('k', old);
    const writing = store.put('k', chunked(next, 10_000, 5));
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const body = await readAll(await store.get('k'));
      seen.push(body.equals(old) ? 'old' : body.equals(next) ? 'new' : `torn(${body.length})`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await writing;
    expect(seen.every((s) => s === 'old' || s === 'new')).toBe(true);
    expect(seen[0]).toBe('old');
    expect((await readAll(await store.get('k'))).equals(next)).toBe(true);
  });

  it('a stream opened before an overwrite or delete still reads the version it opened', async () => {
    await store.put('k', Buffer.from('first'));
    const stream = await store.get('k');
    await store.put('k', Buffer.from('second'));
    await store.delete('k');
    expect((await readAll(stream)).toString()).toBe('first');
  });

  it('keeps objects when reopened, and keys "a" and "a/b" side by side', async () => {
    await store.put('a', Buffer.from('A'));
    await store.put('a/b', Buffer.from('AB'));
    await store.close();
    const again = new FilesystemObjectStorage({ directory: dir });
    expect((await readAll(await again.get('a'))).toString()).toBe('A');
    expect((await readAll(await again.get('a/b'))).toString()).toBe('AB');
    await again.close();
  });

  it('ping fails once the directory is gone', async () => {
    await store.ping();
    rmSync(dir, { recursive: true, force: true });
    await expect(store.ping()).rejects.toThrow(/ENOENT/);
  });
});
