import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { jsonResponse } from '../../../functions/shared/http.js';
import { type RunningApiAdapter, startApiAdapter } from '../../../sim/local/api-gateway-adapter.js';
import { LocalCertificateAuthority } from '../../../sim/local/local-ca.js';
import { type DashboardTls, dashboardTls, serverNamesFor } from '../../../sim/platform/start/dashboard-tls.js';

/** `npm start -- --host … --tls`: the dashboard's server over real TLS, with a certificate from the platform's CA. */
const LAN_ADDRESS = '192.168.50.20';

let tls: DashboardTls;
let server: RunningApiAdapter;

beforeAll(async () => {
  const ca = await LocalCertificateAuthority.create();
  tls = await dashboardTls(ca, LAN_ADDRESS, mkdtempSync(path.join(tmpdir(), 'hcp-tls-test-')));
  server = await startApiAdapter({
    routes: [
      { method: 'GET', resource: '/v1/health', handler: async () => jsonResponse(200, { ok: true }), public: true },
    ],
    tls: { key: tls.key, cert: tls.cert },
  });
});

afterAll(async () => {
  await server?.stop();
});

/** GET over HTTPS; resolves with the status and the server's certificate, or rejects with the TLS error. */
function get(url: string, ca?: string): Promise<{ status: number; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ...(ca ? { ca } : {}) }, (response) => {
      const peer = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, peer }));
    });
    request.on('error', reject);
  });
}

describe('the dashboard over HTTPS with the local CA', () => {
  it('serves over HTTPS a client that trusts the local CA verifies', async () => {
    // Act
    const response = await get(`${server.url}/v1/health`, tls.caPem);
    // Assess
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(response.status).toBe(200);
    expect(response.peer.issuer.CN).toBe('HCP local CA');
  });

  it('is refused by a client that does not trust the local CA', async () => {
    await expect(get(`${server.url}/v1/health`)).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/),
    });
  });

  it('names the --host address, localhost and 127.0.0.1, and no other host', async () => {
    // Prepare
    const { peer } = await get(`${server.url}/v1/health`, tls.caPem);
    // Assess: what a phone at the LAN address checks, and a name the certificate was not issued for.
    expect(checkServerIdentity(LAN_ADDRESS, peer)).toBeUndefined();
    expect(checkServerIdentity('localhost', peer)).toBeUndefined();
    expect(checkServerIdentity('192.168.50.21', peer)?.message).toMatch(
      /IP: 192\.168\.50\.21 is not in the cert's list/,
    );
    expect(peer.ext_key_usage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('writes the CA root for the phone, with the fingerprint the banner prints', () => {
    expect(readFileSync(tls.caFile, 'utf8')).toBe(tls.caPem);
    expect(tls.caFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });
});

describe('the local CA kept under --data', () => {
  it('is the same CA after a restart, so a certificate it issued before still verifies against its root', async () => {
    // Prepare
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'hcp-ca-test-')), 'ca');
    const first = await LocalCertificateAuthority.openOrCreate(dir);
    const issuedBefore = await first.issueKeyPair('HCP local dashboard', 'server');
    // Act: a restarted platform opens the directory again.
    const again = await LocalCertificateAuthority.openOrCreate(dir);
    const issuedAfter = await again.issueKeyPair('HCP local dashboard', 'server');
    // Assess: one root; both certificates chain to it; the key is owner-only.
    expect(again.certificatePem).toBe(first.certificatePem);
    const root = new X509Certificate(again.certificatePem);
    for (const issued of [issuedBefore, issuedAfter]) {
      expect(new X509Certificate(issued.certificatePem).verify(root.publicKey)).toBe(true);
    }
    expect(statSync(path.join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it('is a new CA without a directory', async () => {
    const a = await LocalCertificateAuthority.openOrCreate();
    const b = await LocalCertificateAuthority.openOrCreate();
    expect(a.certificatePem).not.toBe(b.certificatePem);
  });
});

describe('serverNamesFor', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    wlan0: [
      { address: '10.0.0.7', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
    ],
  } as unknown as Parameters<typeof serverNamesFor>[1];

  it('lists every external IPv4 address and the host name on a wildcard host', () => {
    expect(serverNamesFor('0.0.0.0', interfaces, 'rig')).toEqual({ dns: ['rig', 'rig.local'], ip: ['10.0.0.7'] });
  });

  it('names only the address or host name given', () => {
    expect(serverNamesFor('10.0.0.7', interfaces, 'rig')).toEqual({ dns: [], ip: ['10.0.0.7'] });
    expect(serverNamesFor('rig.lan', interfaces, 'rig')).toEqual({ dns: ['rig.lan'], ip: [] });
  });
});
