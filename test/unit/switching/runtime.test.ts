import { switchSteps } from '../../../functions/switching/runtime.js';

describe('switching Lambda wiring', () => {
  it('fails at first use with a message naming the missing variable', () => {
    // Prepare
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;

    // Act / Assess
    try {
      expect(() => switchSteps()).toThrow(/invalid configuration: TABLE_NAME/);
    } finally {
      if (saved !== undefined) process.env.TABLE_NAME = saved;
    }
  });
});
