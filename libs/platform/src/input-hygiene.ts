/**
 * Checks every request body passes before anything recurses over it (class-transformer, JSON.stringify,
 * validators): the nesting depth is measured by a linear scan of the raw text, and only a body within the
 * limit is parsed; then every string (keys included) is checked for characters no field has a use for.
 * Exported for other readers of untrusted JSON (package definitions).
 */
export const MAX_JSON_DEPTH = 64;

export class InputHygieneError extends Error {
  override readonly name = 'InputHygieneError';
  constructor(
    message: string,
    readonly code: 'json-too-deep' | 'forbidden-character' | 'invalid-json',
    /** JSON pointer of the offending value, when known */
    readonly pointer?: string,
  ) {
    super(message);
  }
}

/** depth of the deepest array/object in JSON text, counted without parsing; stops as soon as `limit` is passed */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

// C0 controls except tab, line feed and carriage return; DEL; C1 controls
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** why a string may not be stored, or null when it is clean */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not valid Unicode)';
  if (CONTROL.test(value)) return 'contains a control character';
  return null;
}

const pointerPart = (key: string | number) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');

/** throws InputHygieneError for the first bad string (value or key) in an already depth-checked value */
export function assertCleanStrings(value: unknown, pointer = ''): void {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    if (problem) throw new InputHygieneError(`the string at ${pointer || '/'} ${problem}`, 'forbidden-character', pointer || '/');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertCleanStrings(item, `${pointer}/${i}`));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) throw new InputHygieneError(`a key at ${pointer || '/'} ${keyProblem}`, 'forbidden-character', pointer || '/');
      assertCleanStrings(item, `${pointer}/${pointerPart(key)}`);
    }
  }
}

/** JSON.parse for untrusted text: depth checked first, strings checked after; throws InputHygieneError */
export function parseUntrustedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new InputHygieneError(`the JSON is nested deeper than ${maxDepth} levels`, 'json-too-deep');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputHygieneError(`the body is not valid JSON: ${(error as Error).message}`, 'invalid-json');
  }
  assertCleanStrings(value);
  return value;
}

/** characters that render as nothing (format, separators other than space) and spaces, refused in emails */
/** (the combining grapheme joiner U+034F comes first and variation selectors by property: after another character in
 * the class they would read as one combined character) */
const INVISIBLE = /[\u034f\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Zs}\p{Variation_Selector}\u115f\u1160\u3164\uffa0]/u;

/** an email as stored and compared: NFC-normalised, trimmed, lower-cased */
export const normalizeEmail = (value: string) => value.normalize('NFC').trim().toLowerCase();
export const hasInvisibleCharacters = (value: string) => INVISIBLE.test(value);
