import fc from 'fast-check';
import { signatureOf, signWebhook, verifyWebhookSignature } from '../../../core/webhooks/signature.js';

const SECRET = 'whsec_test-secret';
const NOW_S = 1_790_000_000;
const BODY = '{"id":"w1:1:workload.queued","type":"workload.queued"}';

describe('webhook signature', () => {
  it('signs as t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    // Act
    const header = signWebhook(SECRET, BODY, NOW_S + 0.9);
    // Assess
    expect(header).toBe(`t=${NOW_S},v1=${signatureOf(SECRET, NOW_S, BODY)}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('verifies its own signature within the tolerance, either side of now', () => {
    const header = signWebhook(SECRET, BODY, NOW_S);
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW_S + 300)).toEqual({ ok: true, timestampS: NOW_S });
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW_S - 300).ok).toBe(true);
  });

  it('says too-old past the tolerance, and bad-signature before too-old for a forged old header', () => {
    const header = signWebhook(SECRET, BODY, NOW_S);
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW_S + 301)).toMatchObject({ ok: false, reason: 'too-old' });
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW_S + 60, 30)).toMatchObject({ reason: 'too-old' });
    expect(verifyWebhookSignature('other', header, BODY, NOW_S + 9999)).toMatchObject({ reason: 'bad-signature' });
  });

  it('refuses a replayed signature under a fresh timestamp', () => {
    const v1 = signatureOf(SECRET, NOW_S - 3600, BODY);
    expect(verifyWebhookSignature(SECRET, `t=${NOW_S},v1=${v1}`, BODY, NOW_S)).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it.each([
    [undefined, 'no HCP-Signature'],
    ['', 'no HCP-Signature'],
    ['garbage', 'not key=value'],
    [`v1=${'a'.repeat(64)}`, 'no t='],
    [`t=${NOW_S}`, 'no v1='],
    [`t=${NOW_S},t=${NOW_S},v1=${'a'.repeat(64)}`, 't must appear once'],
    [`t=-5,v1=${'a'.repeat(64)}`, 't must appear once'],
    [`t=${NOW_S},v1=ABC`, '64 lower-case hex'],
    [`t=${NOW_S},v1=${'a'.repeat(2000)}`, 'longer than 1024'],
  ])('says malformed-header for %p', (header, message) => {
    const result = verifyWebhookSignature(SECRET, header, BODY, NOW_S);
    expect(result).toMatchObject({ ok: false, reason: 'malformed-header' });
    expect(!result.ok && result.message).toContain(message);
  });

  it('accepts any matching v1 among several and ignores other schemes', () => {
    const good = signatureOf(SECRET, NOW_S, BODY);
    const header = `t=${NOW_S},v0=whatever,v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW_S).ok).toBe(true);
  });

  it('verifies a Buffer body as its UTF-8 string', () => {
    const header = signWebhook(SECRET, 'héllo', NOW_S);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from('héllo', 'utf8'), NOW_S).ok).toBe(true);
  });

  it('round-trips any body and secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ maxLength: 512 }), (secret, body) => {
        const header = signWebhook(secret, body, NOW_S);
        expect(verifyWebhookSignature(secret, header, body, NOW_S)).toEqual({ ok: true, timestampS: NOW_S });
      }),
    );
  });

  it('fails for any single-byte change of the body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, at, delta) => {
          const header = signWebhook(SECRET, body, NOW_S);
          const changed = Uint8Array.from(body);
          const i = at % body.length;
          changed[i] = (changed[i]! + delta) % 256;
          expect(verifyWebhookSignature(SECRET, header, changed, NOW_S)).toMatchObject({ reason: 'bad-signature' });
        },
      ),
    );
  });

  it('fails for any single-character change of the signature or the timestamp', () => {
    const header = signWebhook(SECRET, BODY, NOW_S);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: header.length - 1 }), fc.constantFrom(...'0123456789abcdef'), (i, c) => {
        fc.pre(header[i] !== c && header[i] !== ',' && header[i] !== '=' && header[i] !== 'v');
        const tampered = `${header.slice(0, i)}${c}${header.slice(i + 1)}`;
        expect(verifyWebhookSignature(SECRET, tampered, BODY, NOW_S).ok).toBe(false);
      }),
    );
  });
});
