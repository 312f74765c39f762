import { readPage } from '../../../functions/api/handler.js';
import { HttpError } from '../../../functions/shared/http.js';

/** What DynamoDB throws for an ExclusiveStartKey outside the query (the SDK's error name and message). */
const refusal = (message: string) => Object.assign(new Error(message), { name: 'ValidationException' });

describe('readPage: a page read from a client cursor', () => {
  it.each([
    'The provided starting key does not match the range key predicate',
    'The provided starting key is invalid: One or more parameter values are not valid.',
  ])('answers 400 naming cursor when DynamoDB refuses the start key: %s', async (message) => {
    // Act
    const read = readPage({ sk: 'forged' }, async () => {
      throw refusal(message);
    });

    // Assess
    await expect(read).rejects.toMatchObject({
      statusCode: 400,
      issues: [{ field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor from this listing' }],
    });
  });

  it('keeps a refusal without a client cursor as our error (500), and any other error too', async () => {
    // Act
    const withoutCursor = readPage(undefined, async () => {
      throw refusal('The provided starting key is invalid');
    });
    const otherError = readPage({ sk: 'x' }, async () => {
      throw refusal('ExpressionAttributeValues must not be empty');
    });

    // Assess
    await expect(withoutCursor).rejects.not.toBeInstanceOf(HttpError);
    await expect(otherError).rejects.not.toBeInstanceOf(HttpError);
  });

  it('returns the page when the read succeeds', async () => {
    await expect(readPage({ sk: 'a' }, async () => ({ items: [1] }))).resolves.toEqual({ items: [1] });
  });
});
