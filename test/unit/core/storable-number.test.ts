import fc from 'fast-check';
import { storableNumber } from '../../../core/support/schema.js';

/** DynamoDB's number: at most 38 significant digits, magnitude 1e-130 .. 9.99e125 (or zero). */
function dynamoCanHold(value: number): boolean {
  if (value === 0) return true;
  const magnitude = Math.abs(value);
  const digits = value.toExponential().replace(/^-?/, '').split('e')[0]!.replace('.', '');
  return magnitude >= 1e-130 && magnitude < 1e126 && digits.length <= 38;
}

describe('storableNumber', () => {
  const price = storableNumber({ min: 0.000001, max: 1_000_000, decimals: 6 });

  it('accepts only numbers DynamoDB can hold, whatever double is sent', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        if (price.safeParse(value).success) expect(dynamoCanHold(value)).toBe(true);
      }),
      { numRuns: 2000, seed: 18 },
    );
  });

  it('refuses denormals, -0, a seventh decimal and values out of bounds, and keeps ordinary prices', () => {
    const accepted = [5e-324, 1e-131, -0, 0.0000001, 1e308, 0.1 + 0.2, 12.5, 0.000001, 1_000_000].map(
      (value) => price.safeParse(value).success,
    );
    expect(accepted).toEqual([false, false, false, false, false, false, true, true, true]);
  });
});
