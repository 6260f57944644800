import { RESOURCE_KINDS } from '@lib/contracts';

/**
 * The rules an app's name, definition and requirements must follow, wherever they come from: the HTTP API
 * (create, update) and a package import run the same function, so what the API refuses an import refuses too.
 * The DTOs' decorators use the same constants for the OpenAPI document and the early 400.
 */
export const APP_NAME_MAX = 100;
export const MAX_REQUIREMENTS = 50;
export const SLOT_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const SLOT_RULE = 'slot must be lower-case letters, digits and dashes, starting with a letter (at most 63)';
/** objects and arrays nested deeper than this are refused (a deep document costs stack on every parse) */
export const MAX_DEFINITION_DEPTH = 64;

export interface AppInputProblem {
  field: string;
  message: string;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'must be a string';
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'must not be empty';
  if (trimmed.length > APP_NAME_MAX) return `must be at most ${APP_NAME_MAX} characters`;
  if (CONTROL.test(trimmed)) return 'must not hold control characters';
  if (LONE_SURROGATE.test(trimmed)) return 'must not hold lone surrogates';
  return null;
}

/**
 * Walks the definition without recursion (a hostile document cannot exhaust the stack before the depth rule
 * refuses it). Strings and keys must not hold NUL or lone surrogates (they do not survive UTF-8 and SQLite's
 * text columns); the serialized size must stay within `maxBytes`.
 */
export function definitionProblems(definition: unknown, maxBytes: number): AppInputProblem[] {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    return [{ field: 'definition', message: 'must be a JSON object' }];
  }
  const problems: AppInputProblem[] = [];
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: definition, depth: 1, path: 'definition' }];
  const checkText = (text: string, path: string, what: string) => {
    if (text.includes('\u0000')) problems.push({ field: path, message: `${what} holds a NUL character` });
    else if (LONE_SURROGATE.test(text)) problems.push({ field: path, message: `${what} holds a lone surrogate` });
  };
  while (stack.length > 0 && problems.length < 20) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') {
      checkText(value, path, 'a string');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEFINITION_DEPTH) {
      problems.push({ field: path, message: `nested deeper than ${MAX_DEFINITION_DEPTH} levels` });
      break;
    }
    if (Array.isArray(value)) value.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
    else {
      for (const [key, item] of Object.entries(value)) {
        checkText(key, path, 'a key');
        stack.push({ value: item, depth: depth + 1, path: `${path}.${key.slice(0, 40)}` });
      }
    }
  }
  if (problems.length === 0 && Buffer.byteLength(JSON.stringify(definition), 'utf8') > maxBytes) {
    problems.push({ field: 'definition', message: `larger than ${maxBytes} bytes` });
  }
  return problems;
}

export function requirementsProblems(requirements: unknown): AppInputProblem[] {
  if (!Array.isArray(requirements)) return [{ field: 'requirements', message: 'must be an array' }];
  const problems: AppInputProblem[] = [];
  if (requirements.length > MAX_REQUIREMENTS) problems.push({ field: 'requirements', message: `must hold at most ${MAX_REQUIREMENTS} requirements` });
  const seen = new Set<string>();
  requirements.slice(0, MAX_REQUIREMENTS + 1).forEach((r: { slot?: unknown; kind?: unknown }, i) => {
    if (typeof r?.slot !== 'string' || !SLOT_PATTERN.test(r.slot)) problems.push({ field: `requirements[${i}].slot`, message: SLOT_RULE });
    else if (seen.has(r.slot)) problems.push({ field: `requirements[${i}].slot`, message: `slot "${r.slot}" is declared twice` });
    else seen.add(r.slot);
    if (typeof r?.kind !== 'string' || !(RESOURCE_KINDS as readonly string[]).includes(r.kind)) {
      problems.push({ field: `requirements[${i}].kind`, message: `must be one of ${RESOURCE_KINDS.join(', ')}` });
    }
  });
  return problems;
}

/** every problem of an app's input; fields left undefined (a partial update) are not checked */
export function appInputProblems(
  input: { name?: unknown; definition?: unknown; requirements?: unknown },
  limits: { maxDefinitionBytes: number },
): AppInputProblem[] {
  const problems: AppInputProblem[] = [];
  if (input.name !== undefined) {
    const problem = nameProblem(input.name);
    if (problem) problems.push({ field: 'name', message: problem });
  }
  if (input.definition !== undefined) problems.push(...definitionProblems(input.definition, limits.maxDefinitionBytes));
  if (input.requirements !== undefined) problems.push(...requirementsProblems(input.requirements));
  return problems;
}
