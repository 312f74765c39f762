import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import type { LocalCertificateAuthority, ServerNames } from '../../local/local-ca.js';

/** The HTTPS identity of the API and dashboard, and how a phone comes to trust it. */
export interface DashboardTls {
  readonly key: string;
  readonly cert: string;
  /** The local CA's root (PEM): install it on the phone once per platform start (the CA is made at start). */
  readonly caPem: string;
  /** Where the root was written, e.g. `<data>/tls/ca.crt`. */
  readonly caFile: string;
  /** SHA-256 of the root, colon-separated hex, to compare with what the phone shows before trusting it. */
  readonly caFingerprint: string;
  readonly names: ServerNames;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The names a phone may reach the server by: the `--host` address itself, or, when it listens on every interface,
 * each of the machine's external IPv4 addresses and its host name (plain and `.local`, as mDNS answers it).
 */
export function serverNamesFor(
  host: string,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  machineName: string = hostname(),
): ServerNames {
  if (!WILDCARD_HOSTS.has(host)) return IPV4.test(host) ? { dns: [], ip: [host] } : { dns: [host], ip: [] };
  const ip = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
  const plain = machineName.replace(/\.local$/, '');
  return { dns: [plain, `${plain}.local`], ip };
}

/** A server certificate for `host` from the platform's CA; the CA's root is written under `dir` for the phone. */
export async function dashboardTls(ca: LocalCertificateAuthority, host: string, dir: string): Promise<DashboardTls> {
  const names = serverNamesFor(host);
  const server = await ca.issueKeyPair('HCP local dashboard', 'server', names);
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, ca.certificatePem);
  return {
    key: server.keyPem,
    cert: server.certificatePem,
    caPem: ca.certificatePem,
    caFile,
    caFingerprint: new X509Certificate(ca.certificatePem).fingerprint256,
    names,
  };
}
