import fc from 'fast-check';
import {
  ALL_WORKLOAD_EVENT_TYPES,
  formatWebhookSecret,
  publicWebhook,
  putWebhookBodySchema,
  webhookUrlProblem,
} from '../../../core/webhooks/config.js';

const body = putWebhookBodySchema();
const localBody = putWebhookBodySchema({ allowLocalHttp: true });

describe('webhook URL rules', () => {
  it.each(['https://hooks.example.com/hcp', 'https://hooks.example.com:8443/a/b?c=d', 'https://8.8.8.8/hook'])(
    'accepts %s',
    (url) => {
      expect(webhookUrlProblem(url)).toBeUndefined();
    },
  );

  it.each([
    ['http://hooks.example.com/hcp', 'https'],
    ['ftp://hooks.example.com/hcp', 'https'],
    ['https://user:pw@hooks.example.com/', 'credentials'],
    ['https://token@hooks.example.com/', 'credentials'],
    ['https://localhost/hook', 'not a public host'],
    ['https://localhost./hook', 'not a public host'],
    ['https://db.internal./hook', 'not a public host'],
    ['https://LOCALHOST/hook', 'not a public host'],
    ['https://api.localhost/hook', 'not a public host'],
    ['https://printer.local/hook', 'not a public host'],
    ['https://db.internal/hook', 'not a public host'],
    ['https://metadata/computeMetadata', 'not a public host'],
    ['https://169.254.169.254/latest/meta-data', 'private, loopback or reserved'],
    ['https://127.0.0.1/hook', 'private, loopback or reserved'],
    ['https://2130706433/hook', 'private, loopback or reserved'],
    ['https://0x7f.1/hook', 'private, loopback or reserved'],
    ['https://10.1.2.3/hook', 'private, loopback or reserved'],
    ['https://172.20.0.1/hook', 'private, loopback or reserved'],
    ['https://192.168.1.1/hook', 'private, loopback or reserved'],
    ['https://100.64.0.1/hook', 'private, loopback or reserved'],
    ['https://0.0.0.0/hook', 'private, loopback or reserved'],
    ['https://[::1]/hook', 'IPv6'],
    ['https://[::ffff:127.0.0.1]/hook', 'IPv6'],
    ['not a url', 'absolute URL'],
    ['/relative/path', 'absolute URL'],
  ])('refuses %s (%s)', (url, problem) => {
    expect(webhookUrlProblem(url)).toContain(problem);
  });

  it('accepts http(s) on localhost, 127.0.0.1 and [::1] only when the caller says local', () => {
    for (const url of ['http://localhost:8080/hook', 'http://127.0.0.1:9/x', 'https://[::1]:8443/', 'http://[::1]/']) {
      expect(webhookUrlProblem(url, { allowLocalHttp: true })).toBeUndefined();
      expect(webhookUrlProblem(url)).toBeDefined();
    }
    expect(webhookUrlProblem('http://10.0.0.1/hook', { allowLocalHttp: true })).toBe('must be https');
    expect(webhookUrlProblem('http://u:p@localhost/hook', { allowLocalHttp: true })).toContain('credentials');
  });

  it('refuses every private IPv4 literal of 10/8, 172.16/12 and 192.168/16', () => {
    const privateIp = fc.oneof(
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    );
    fc.assert(
      fc.property(privateIp, (octets) => {
        expect(webhookUrlProblem(`https://${octets.join('.')}/h`)).toContain('private');
      }),
    );
  });
});

describe('PUT /v1/webhook body', () => {
  it('defaults events to every workload event type', () => {
    expect(body.parse({ url: 'https://hooks.example.com/x' }).events).toEqual([...ALL_WORKLOAD_EVENT_TYPES]);
  });

  it.each([
    [{ url: 'https://hooks.example.com/x', events: [] }, 'events'],
    [{ url: 'https://hooks.example.com/x', events: ['workload.done'] }, 'events.0'],
    [{ url: 'https://hooks.example.com/x', events: ['workload.queued', 'workload.queued'] }, 'events'],
    [{ url: 'https://hooks.example.com/x', secret: 'mine' }, ''],
    [{ url: `https://hooks.example.com/${'a'.repeat(2048)}` }, 'url'],
    [{ url: 'http://localhost:3000/x' }, 'url'],
    [{}, 'url'],
  ])('refuses %j naming %s', (input, path) => {
    const parsed = body.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts a localhost receiver only from the local schema', () => {
    expect(localBody.safeParse({ url: 'http://localhost:3000/x' }).success).toBe(true);
    expect(body.safeParse({ url: 'http://localhost:3000/x' }).success).toBe(false);
  });
});

describe('webhook views', () => {
  it('formats secrets as whsec_ + the random part, and leaves the secret out of the public view', () => {
    const secret = formatWebhookSecret('A'.repeat(43));
    const view = publicWebhook({
      tenantId: 't1',
      url: 'https://hooks.example.com/x',
      events: ['workload.queued'],
      createdAt: '2026-11-29T00:00:00.000Z',
      updatedAt: '2026-11-29T00:00:00.000Z',
      secret,
    });
    expect(secret).toBe(`whsec_${'A'.repeat(43)}`);
    expect(view).not.toHaveProperty('secret');
    expect(JSON.stringify(view)).not.toContain(secret);
  });
});
