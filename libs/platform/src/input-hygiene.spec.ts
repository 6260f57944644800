import { assertCleanStrings, hasInvisibleCharacters, InputHygieneError, jsonDepthExceeds, normalizeEmail, parseUntrustedJson, stringProblem } from './input-hygiene';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('input hygiene', () => {
  it('measures depth without parsing, ignoring brackets inside strings', () => {
    expect(jsonDepthExceeds(nested(64))).toBe(false);
    expect(jsonDepthExceeds(nested(65))).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(1000)}"}`)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"${'{'.repeat(100)}"}`)).toBe(false);
    // 100,000 levels: refused by the scan, long before anything could overflow the stack
    expect(jsonDepthExceeds(nested(100_000))).toBe(true);
  });

  it('refuses deep JSON with its own code, and parses what is within the limit', () => {
    expect(() => parseUntrustedJson(nested(10_000))).toThrow(expect.objectContaining({ code: 'json-too-deep' }));
    expect(parseUntrustedJson('{"a":[1,{"b":"c"}]}')).toEqual({ a: [1, { b: 'c' }] });
    expect(() => parseUntrustedJson('{"a":')).toThrow(InputHygieneError);
  });

  it.each([
    ['NUL', 'a\u0000b', 'NUL'],
    ['a lone high surrogate', 'a\ud800b', 'lone surrogate'],
    ['a lone low surrogate', '\udc00', 'lone surrogate'],
    ['a bell', 'a\u0007', 'control'],
    ['escape', '\u001b[31m', 'control'],
    ['DEL', '\u007f', 'control'],
    ['a C1 control', '\u0085', 'control'],
  ])('refuses %s in a string', (_name, value, word) => {
    expect(stringProblem(value)).toContain(word);
  });

  it.each([['plain'], ['tab\tnew\nline\r'], ['emoji 😀 pair'], ['Zoë (NFC) and Zoë (NFD)']])('accepts %j', (value) => {
    expect(stringProblem(value)).toBeNull();
  });

  it('names the offending place with a JSON pointer, keys included', () => {
    expect(() => assertCleanStrings({ a: [{ 'b/c': 'x\u0000' }] })).toThrow(expect.objectContaining({ pointer: '/a/0/b~1c' }));
    expect(() => assertCleanStrings({ ['k\u0000']: 1 })).toThrow(expect.objectContaining({ code: 'forbidden-character' }));
  });

  it('normalises emails to NFC lower case and spots invisible characters', () => {
    expect(normalizeEmail(' Zoe\u0301@Example.COM ')).toBe('zoé@example.com');
    expect(normalizeEmail('zoe\u0301@x.io')).toBe(normalizeEmail('zo\u00e9@x.io'));
    for (const invisible of ['\u200b', '\u200d', '\u00ad', '\u202e', '\u2060', '\ufeff', '\u00a0']) {
      expect(hasInvisibleCharacters(`ad${invisible}a@example.com`)).toBe(true);
    }
    expect(hasInvisibleCharacters('ada@example.com')).toBe(false);
  });
});
