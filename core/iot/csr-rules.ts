/**
 * What a gateway's certificate signing request must be before the platform signs it. IoT Core takes RSA keys of at
 * least 2048 bits and EC keys on NIST P-256, P-384 or P-521 (CreateCertificateFromCsr, AWS IoT API reference); we
 * take P-256 and P-384, the curves the Greengrass nucleus and the AWS IoT Device SDKs use, and tie the subject to
 * the site: the certificate's CN is the site's thing name, so a CSR made for one site cannot onboard another.
 */

/** The facts of a parsed CSR the rules look at (parsing is the adapter's: functions/shared/iot/csr.ts). */
export interface CsrFacts {
  readonly keyAlgorithm: 'RSA' | 'EC' | 'other';
  readonly rsaModulusBits?: number;
  readonly ecCurve?: string;
  readonly subjectCommonName?: string;
  /** The CSR's self-signature verifies with its own public key (proof the requester holds the private key). */
  readonly signatureValid: boolean;
}

export type CsrRule = 'malformed-pem' | 'key-type' | 'rsa-key-size' | 'ec-curve' | 'subject-cn' | 'signature';

export interface CsrViolation {
  readonly rule: CsrRule;
  readonly message: string;
}

export const MIN_RSA_MODULUS_BITS = 2048;
export const ACCEPTED_EC_CURVES = ['P-256', 'P-384'] as const;

/** The rules a parsed CSR breaks for `thingName`, in the order a requester would fix them; empty when it passes. */
export function csrViolations(facts: CsrFacts, thingName: string): CsrViolation[] {
  const violations: CsrViolation[] = [];
  if (facts.keyAlgorithm === 'other') {
    violations.push({ rule: 'key-type', message: 'the key must be RSA (≥ 2048 bits) or EC (P-256 or P-384)' });
  } else if (facts.keyAlgorithm === 'RSA' && (facts.rsaModulusBits ?? 0) < MIN_RSA_MODULUS_BITS) {
    violations.push({
      rule: 'rsa-key-size',
      message: `an RSA key must have at least ${MIN_RSA_MODULUS_BITS} bits, this one has ${facts.rsaModulusBits ?? 0}`,
    });
  } else if (facts.keyAlgorithm === 'EC' && !(ACCEPTED_EC_CURVES as readonly string[]).includes(facts.ecCurve ?? '')) {
    violations.push({
      rule: 'ec-curve',
      message: `an EC key must be on ${ACCEPTED_EC_CURVES.join(' or ')}, not ${facts.ecCurve ?? 'an unnamed curve'}`,
    });
  }
  if (facts.subjectCommonName !== thingName) {
    violations.push({
      rule: 'subject-cn',
      message: `the subject CN must be the site's thing name "${thingName}", not ${facts.subjectCommonName === undefined ? 'missing' : `"${facts.subjectCommonName}"`}`,
    });
  }
  if (!facts.signatureValid) {
    violations.push({ rule: 'signature', message: 'the CSR signature does not verify with its own public key' });
  }
  return violations;
}
