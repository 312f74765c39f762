import { failureText } from '../../../sim/platform/control-loop.js';

describe('failureText (why a dispatch failed, as the platform prints it)', () => {
  it('adds the handler message of a Lambda error cause', () => {
    const cause = JSON.stringify({ errorType: 'ValidationError', errorMessage: 'prices: no settled interval yet' });
    expect(failureText('ValidationError', cause)).toBe('ValidationError: prices: no settled interval yet');
  });

  it('keeps a plain cause and a missing one as they are', () => {
    expect(failureText('States.Timeout', 'timed out after 60 s')).toBe('States.Timeout: timed out after 60 s');
    expect(failureText('States.Timeout', '{"other":1}')).toBe('States.Timeout: {"other":1}');
    expect(failureText('Error', undefined)).toBe('Error');
  });
});
