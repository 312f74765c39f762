import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '../../functions/shared/iot/x509.js';

// The library's WebCrypto is Node's.
x509.cryptoProvider.set(webcrypto as never);

/** ECDSA P-256 with SHA-256: what IoT Core's own device certificates and the Greengrass nucleus use. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Hex, as node:tls reports it in `getPeerCertificate().serialNumber` (upper case). */
  readonly serialNumber: string;
}

/** The names a server certificate is valid for, beside localhost and 127.0.0.1. */
export interface ServerNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
}

export interface KeyAndCertificate extends IssuedCertificate {
  readonly keyPem: string;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END ${label}-----\n`;

/** A positive 128-bit serial (RFC 5280 wants ≤ 20 octets, positive), in the upper-case hex node:tls reports. */
const newSerial = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex').toUpperCase();
};

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey));
}

/**
 * What a gateway does before onboarding, as `openssl req -new -newkey ec ...` would: a P-256 key that stays with it
 * and a CSR whose subject CN is its thing name (the site id).
 */
export async function generateKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await newKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
  });
  return { keyPem: await keyPem(keys), csrPem: csr.toString('pem') };
}

/**
 * The local platform's certificate authority, the stand-in for IoT Core's: one self-signed P-256 root made at start,
 * which signs the broker's server certificate, the gateways' certificates from their CSRs and the platform services'
 * client certificates. Made at each start, unless kept in a directory (`openOrCreate`, `--data`): then a phone that
 * trusts it for the dashboard's HTTPS keeps trusting it across restarts. Issued certificates never persist: a
 * restarted platform onboards everything again.
 */
export class LocalCertificateAuthority {
  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    private readonly root: x509.X509Certificate,
    private readonly validityDays: number,
  ) {}

  static async create(options: { name?: string; validityDays?: number } = {}): Promise<LocalCertificateAuthority> {
    const keys = await newKeys();
    const now = Date.now();
    const name = `CN=${options.name ?? 'HCP local CA'}`;
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      keys,
      signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new LocalCertificateAuthority(keys, root, options.validityDays ?? 365);
  }

  /**
   * The CA kept in `dir` (`ca.key`, owner-only, and `ca.crt`), made and written there the first time; without a
   * directory, a new one.
   */
  static async openOrCreate(dir?: string): Promise<LocalCertificateAuthority> {
    if (!dir) return LocalCertificateAuthority.create();
    const keyFile = path.join(dir, 'ca.key');
    const certFile = path.join(dir, 'ca.crt');
    if (existsSync(keyFile) && existsSync(certFile)) {
      const root = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
      const der = x509.PemConverter.decodeFirst(readFileSync(keyFile, 'utf8'));
      const privateKey = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
      const publicKey = await root.publicKey.export(KEY_ALGORITHM, ['verify'], webcrypto as never);
      return new LocalCertificateAuthority({ privateKey, publicKey } as webcrypto.CryptoKeyPair, root, 365);
    }
    const ca = await LocalCertificateAuthority.create();
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyFile, await keyPem(ca.keys), { mode: 0o600 });
    writeFileSync(certFile, ca.certificatePem);
    return ca;
  }

  /** PEM of the root, for every party's trust store (the role AmazonRootCA1 plays for IoT Core). */
  get certificatePem(): string {
    return this.root.toString('pem');
  }

  /** Signs a CSR the caller has checked (functions/shared/iot/csr.ts) into a client certificate. */
  async signCsr(csr: x509.Pkcs10CertificateRequest): Promise<IssuedCertificate> {
    return this.issue(csr.subject, csr.publicKey, 'client');
  }

  /**
   * A key pair made here with its certificate: the broker's server identity, or a platform service's client one. A
   * server certificate names localhost and 127.0.0.1, and `serverNames` beside them (the dashboard's LAN address).
   */
  async issueKeyPair(
    commonName: string,
    usage: 'server' | 'client',
    serverNames: ServerNames = { dns: [], ip: [] },
  ): Promise<KeyAndCertificate> {
    const keys = await newKeys();
    const issued = await this.issue(`CN=${commonName}`, keys.publicKey, usage, serverNames);
    return { ...issued, keyPem: await keyPem(keys) };
  }

  private async issue(
    subject: string,
    publicKey: x509.PublicKey | webcrypto.CryptoKey,
    usage: 'server' | 'client',
    serverNames: ServerNames = { dns: [], ip: [] },
  ): Promise<IssuedCertificate> {
    const dns = [...new Set(['localhost', ...serverNames.dns])];
    const ip = [...new Set(['127.0.0.1', ...serverNames.ip])];
    const serialNumber = newSerial();
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject,
      issuer: this.root.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + this.validityDays * DAY_MS),
      signingAlgorithm: KEY_ALGORITHM,
      publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        await x509.AuthorityKeyIdentifierExtension.create(this.root, false),
        ...(usage === 'server'
          ? [
              new x509.SubjectAlternativeNameExtension([
                ...dns.map((value) => ({ type: 'dns' as const, value })),
                ...ip.map((value) => ({ type: 'ip' as const, value })),
              ]),
            ]
          : []),
      ],
    });
    return { certificatePem: certificate.toString('pem'), serialNumber };
  }
}
