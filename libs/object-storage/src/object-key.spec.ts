import {
  DEFAULT_CONTENT_TYPE,
  normalizeContentType,
  normalizeObjectMetadata,
  validateObjectKey,
  validatePresignExpiry,
} from './object-key';
import { InvalidObjectKeyError, InvalidObjectMetadataError } from './object-storage.port';

const seg = (c: string, n: number) => c.repeat(n);

describe('validateObjectKey', () => {
  it.each([
    ['a one-character key', 'a'],
    ['a path', 'org-1/packages/app-1.zip'],
    ['spaces and parentheses', 'dir with spaces/file (1).txt'],
    ['Unicode', 'ünïcødé/日本語/😀.txt'],
    ['URL-special characters', "a=b&c?d#e%f;g,h:i@j!k'l*m~n$o+p"],
    ['a dot file', '.hidden/file'],
    ['512 characters in 200-byte segments', `${seg('x', 200)}/${seg('y', 200)}/${seg('z', 110)}`],
    ['512 two-byte characters (1,024 bytes)', `${seg('é', 100)}/${seg('é', 100)}/${seg('é', 100)}/${seg('é', 100)}/${seg('é', 100)}/éé`.slice(0, 512)],
  ])('accepts %s', (_label, key) => {
    expect(() => validateObjectKey(key)).not.toThrow();
  });

  it.each([
    ['an empty key', '', 'must not be empty'],
    ['513 characters', `${seg('x', 200)}/${seg('y', 200)}/${seg('z', 111)}`, 'at most 512 characters'],
    ['over 1,024 UTF-8 bytes', `${seg('€', 60)}/${seg('€', 60)}/${seg('€', 60)}/${seg('€', 60)}/${seg('€', 60)}/${seg('€', 40)}`, 'at most 1024 bytes'],
    ['a 201-byte segment', `a/${seg('x', 201)}`, 'at most 200 bytes'],
    ['a 202-byte Unicode segment', seg('é', 101), 'at most 200 bytes'],
    ['a leading slash', '/abs', 'must not start with "/"'],
    ['a trailing slash', 'dir/', 'must not end with "/"'],
    ['a backslash', 'a\\b', 'backslash'],
    ['".."', '..', '".."'],
    ['a ".." segment', 'a/../b', '".."'],
    ['".." inside a name', 'a..b', '".."'],
    ['an empty segment', 'a//b', 'empty or "." segment'],
    ['a leading "." segment', './a', 'empty or "." segment'],
    ['a "." segment', 'a/./b', 'empty or "." segment'],
    ['NUL', 'a\u0000b', 'control characters'],
    ['a tab', 'a\tb', 'control characters'],
    ['DEL', 'a\u007fb', 'control characters'],
    ['a lone high surrogate', 'a\ud800', 'valid Unicode'],
    ['a lone low surrogate', '\udc00a', 'valid Unicode'],
  ])('refuses %s', (_label, key, reason) => {
    expect(() => validateObjectKey(key)).toThrow(InvalidObjectKeyError);
    expect(() => validateObjectKey(key)).toThrow(reason);
  });

  it('refuses a non-string key', () => {
    expect(() => validateObjectKey(undefined)).toThrow(InvalidObjectKeyError);
    expect(() => validateObjectKey(12)).toThrow('must be a string');
  });

  it('shortens a long key in the message', () => {
    expect(() => validateObjectKey('y'.repeat(600))).toThrow(/"y{80}\.\.\."/);
  });
});

describe('normalizeObjectMetadata', () => {
  it('lower-cases keys and keeps values', () => {
    expect(normalizeObjectMetadata({ Origin: 'upload', 'Build-Id': '42', snake_case: 'a b' })).toEqual({
      origin: 'upload',
      'build-id': '42',
      snake_case: 'a b',
    });
    expect(normalizeObjectMetadata(undefined)).toEqual({});
  });

  it.each([
    ['a key with a space', { 'a b': '1' }, 'must match'],
    ['a key starting with -', { '-a': '1' }, 'must match'],
    ['a 129-character key', { ['k'.repeat(129)]: '1' }, 'must match'],
    ['content-type', { 'content-type': 'x' }, 'reserved'],
    ['Cache-Control', { 'Cache-Control': 'x' }, 'reserved'],
    ['an x-amz- key', { 'x-amz-meta-a': 'x' }, 'reserved'],
    ['keys equal once lower-cased', { a: '1', A: '2' }, 'twice'],
    ['a non-ASCII value', { a: 'é' }, 'printable ASCII'],
    ['a line break', { a: 'x\ny' }, 'printable ASCII'],
    ['a padded value', { a: ' padded' }, 'start or end with a space'],
    ['over 2 KB', { a: 'v'.repeat(2048) }, 'more than 2048'],
    ['a number value', { a: 1 as unknown as string }, 'must be a string'],
  ])('refuses %s', (_label, metadata, reason) => {
    expect(() => normalizeObjectMetadata(metadata)).toThrow(InvalidObjectMetadataError);
    expect(() => normalizeObjectMetadata(metadata)).toThrow(reason);
  });
});

describe('normalizeContentType', () => {
  it('defaults to application/octet-stream and keeps a valid one', () => {
    expect(normalizeContentType(undefined)).toBe(DEFAULT_CONTENT_TYPE);
    expect(normalizeContentType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
  });
  it.each([
    ['empty', ''],
    ['padded', ' text/plain'],
    ['header injection', 'text/plain\r\nX-Injected: 1'],
    ['non-ASCII', 'text/é'],
    ['256 characters', 't'.repeat(256)],
  ])('refuses %s', (_label, contentType) => {
    expect(() => normalizeContentType(contentType)).toThrow(InvalidObjectMetadataError);
  });
});

describe('validatePresignExpiry', () => {
  it('accepts 1 s to 7 days', () => {
    expect(() => validatePresignExpiry(1)).not.toThrow();
    expect(() => validatePresignExpiry(604_800)).not.toThrow();
  });
  it.each([0, -5, 1.5, 604_801, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p', (expiry) => {
    expect(() => validatePresignExpiry(expiry)).toThrow(RangeError);
  });
});
