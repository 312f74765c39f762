import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localPartnerCredentials } from '../../../functions/partners/adapters/local-credentials.js';
import { secretsManagerPartnerCredentials } from '../../../functions/partners/adapters/secrets-manager-credentials.js';

describe('partner credentials behind one port', () => {
  it('reads each partner’s secret by its ARN, caches it five minutes, and names a partner without one', async () => {
    // Prepare
    const asked: unknown[] = [];
    const client = {
      send: async (command: { input: { SecretId: string } }) => {
        asked.push(command.input.SecretId);
        return { SecretString: `key-of-${command.input.SecretId}` };
      },
    };
    let now = 0;
    const credentials = secretsManagerPartnerCredentials(client as never, { 'partner-a': 'arn:a' }, () => now);

    // Act
    const first = await credentials.apiKey('partner-a');
    await credentials.apiKey('partner-a');
    now = 5 * 60_000;
    await credentials.apiKey('partner-a');

    // Assess
    expect(first).toBe('key-of-arn:a');
    expect(asked).toEqual(['arn:a', 'arn:a']);
    await expect(credentials.apiKey('partner-b')).rejects.toThrow('partner-b has no secret in this deployment');
  });

  it('reads the local stand-in from a file, and refuses a malformed one naming it', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'hcp-keys-'));
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ 'partner-a': 'pk-1' }));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ 'partner-a': 7 }));

    // Act
    const credentials = localPartnerCredentials({ file: join(dir, 'keys.json') });

    // Assess
    await expect(credentials.apiKey('partner-a')).resolves.toBe('pk-1');
    await expect(credentials.apiKey('partner-z')).rejects.toThrow('partner-z has no key');
    expect(() => localPartnerCredentials({ file: join(dir, 'bad.json') })).toThrow(/bad\.json/);
  });
});
