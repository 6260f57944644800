import { unknownEvent } from './integration';

type Event = { type: 'Created'; data: { id: string } } | { type: 'Renamed'; data: { id: string } } | { type: 'Secret'; data: { id: string } };

describe('exhaustive integration mappers', () => {
  it('compile only when every event type is mapped or marked internal (checked by tsc over this file)', () => {
    const complete = (e: Event) => {
      switch (e.type) {
        case 'Created':
        case 'Renamed':
          return e.type;
        case 'Secret':
          return null;
        default:
          return unknownEvent(e);
      }
    };
    const forgetful = (e: Event) => {
      switch (e.type) {
        case 'Created':
          return e.type;
        case 'Secret':
          return null;
        default:
          // @ts-expect-error 'Renamed' is neither mapped nor internal
          return unknownEvent(e);
      }
    };
    expect(complete({ type: 'Renamed', data: { id: '1' } })).toBe('Renamed');
    expect(forgetful({ type: 'Renamed', data: { id: '1' } })).toBeNull();
    // a type written by newer code is not published
    expect(complete({ type: 'Archived', data: { id: '1' } } as unknown as Event)).toBeNull();
  });
});
