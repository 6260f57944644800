import { appInputProblems, MAX_DEFINITION_DEPTH } from './app-rules';

const limits = { maxDefinitionBytes: 1024 };
const nested = (depth: number) => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('app input rules (shared by the HTTP API and package imports)', () => {
  it('accepts a plain app', () => {
    expect(appInputProblems({ name: 'Support Bot', definition: { pages: [] }, requirements: [{ slot: 'crm', kind: 'salesforce' }] }, limits)).toEqual([]);
  });

  it.each([
    ['an empty name', { name: '   ' }, 'name'],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
    ['a control character in the name', { name: 'Bot\u0007' }, 'name'],
    ['a lone surrogate in the name', { name: 'Bot \ud800' }, 'name'],
    ['a definition that is not an object', { definition: [1] }, 'definition'],
    ['a NUL in a definition string', { definition: { a: ['x\u0000y'] } }, 'definition.a[0]'],
    ['a NUL in a definition key', { definition: { 'k\u0000': 1 } }, 'definition'],
    ['a lone surrogate in a definition string', { definition: { a: '\udc00' } }, 'definition.a'],
    ['a definition over the size limit', { definition: { a: 'x'.repeat(2000) } }, 'definition'],
    ['an upper-case slot', { requirements: [{ slot: 'CRM', kind: 'salesforce' }] }, 'requirements[0].slot'],
    ['an unknown kind', { requirements: [{ slot: 'crm', kind: 'mainframe' }] }, 'requirements[0].kind'],
    ['a slot declared twice', { requirements: [{ slot: 'crm', kind: 'salesforce' }, { slot: 'crm', kind: 'smtp' }] }, 'requirements[1].slot'],
    ['more than 50 requirements', { requirements: Array.from({ length: 51 }, (_, i) => ({ slot: `s${i}`, kind: 'smtp' })) }, 'requirements'],
  ])('refuses %s', (_what, input, field) => {
    expect(appInputProblems(input, limits).map((p) => p.field)).toContain(field);
  });

  it(`refuses nesting deeper than ${MAX_DEFINITION_DEPTH} levels, without recursion`, () => {
    expect(appInputProblems({ definition: nested(MAX_DEFINITION_DEPTH - 1) }, { maxDefinitionBytes: 1e6 })).toEqual([]);
    expect(appInputProblems({ definition: nested(MAX_DEFINITION_DEPTH + 1) }, { maxDefinitionBytes: 1e6 })[0].message).toMatch(/nested deeper/);
    expect(appInputProblems({ definition: nested(100_000) }, { maxDefinitionBytes: 1e9 })).toHaveLength(1);
  });
});
