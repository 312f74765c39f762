import fc from 'fast-check';
import { duplicateJsonKey } from '../../../core/support/json-keys.js';

describe('duplicateJsonKey', () => {
  it('names a repeated key by its path, top-level, nested and inside arrays', () => {
    expect(duplicateJsonKey('{"tier":"flex","tier":"guaranteed"}')).toBe('tier');
    expect(duplicateJsonKey('{"a":{"b":1,"c":"x,\\"b\\"","b":2}}')).toBe('a.b');
    expect(duplicateJsonKey('{"list":[{"k":1},{"k":2,"k":3}]}')).toBe('list[1].k');
  });

  it('finds none in JSON that JSON.stringify wrote (keys unique by construction)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(duplicateJsonKey(JSON.stringify(value))).toBeUndefined();
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});
