import { type CsrFacts, type CsrViolation, csrViolations } from '../../../core/iot/csr-rules.js';
import { Pkcs10CertificateRequest, X509Certificate } from './x509.js';

export type CsrCheck =
  | { readonly ok: true; readonly csr: Pkcs10CertificateRequest }
  | { readonly ok: false; readonly violations: readonly CsrViolation[] };

const PEM_CSR = /^-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\s*$/;

/** Parses a PEM CSR and checks it against core's rules for `thingName` (key type and size, subject, signature). */
export async function checkCsr(pem: string, thingName: string): Promise<CsrCheck> {
  let csr: Pkcs10CertificateRequest;
  try {
    if (!PEM_CSR.test(pem.trim())) throw new Error('not one PEM block of type CERTIFICATE REQUEST');
    csr = new Pkcs10CertificateRequest(pem.trim());
  } catch (error) {
    return {
      ok: false,
      violations: [{ rule: 'malformed-pem', message: `not a PEM certificate request: ${(error as Error).message}` }],
    };
  }
  const violations = csrViolations(await factsOf(csr), thingName);
  return violations.length === 0 ? { ok: true, csr } : { ok: false, violations };
}

async function factsOf(csr: Pkcs10CertificateRequest): Promise<CsrFacts> {
  const algorithm = csr.publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  const keyAlgorithm = algorithm.name.startsWith('RSA') ? 'RSA' : algorithm.name === 'ECDSA' ? 'EC' : 'other';
  const commonName = csr.subjectName.getField('CN')[0];
  const signatureValid = await csr.verify().catch(() => false);
  return {
    keyAlgorithm,
    ...(algorithm.modulusLength !== undefined ? { rsaModulusBits: algorithm.modulusLength } : {}),
    ...(algorithm.namedCurve !== undefined ? { ecCurve: algorithm.namedCurve } : {}),
    ...(commonName !== undefined ? { subjectCommonName: commonName } : {}),
    signatureValid,
  };
}

/** True when a certificate (PEM) certifies the same public key as a CSR: the same device asking again. */
export function certifiesKeyOf(certificatePem: string, csr: Pkcs10CertificateRequest): boolean {
  const certificateKey = Buffer.from(new X509Certificate(certificatePem).publicKey.rawData);
  return certificateKey.equals(Buffer.from(csr.publicKey.rawData));
}
