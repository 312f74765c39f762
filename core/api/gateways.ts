import { z } from 'zod';

/**
 * A real CSR, the OpenAPI example and the abuse suites' valid request: P-256, subject `CN=site-west-1` (the seed
 * site), self-signed; made once with `generateKeyAndCsr('site-west-1')` (sim/local/local-ca.ts), its private key
 * discarded. `test/unit/api/gateway-csr-example.test.ts` keeps it passing the CSR rules.
 */
export const EXAMPLE_GATEWAY_CSR_PEM = [
  '-----BEGIN CERTIFICATE REQUEST-----',
  'MIHPMHgCAQAwFjEUMBIGA1UEAxMLc2l0ZS13ZXN0LTEwWTATBgcqhkjOPQIBBggq',
  'hkjOPQMBBwNCAAQDXHYG3leXHuOzMbIPEnT1yNHFrfw+mRzetkwkxsh6lwGiLfzU',
  'Jugn7auHmqNPPy4br+a9a5SCAW8OfMCUE7pKoAAwCgYIKoZIzj0EAwIDRwAwRAIg',
  'fweLN6QHkpslmuHOkZWowmVNzjOIH5WXInAjiNOq6cMCIGYcnbORbDWYSspEyWCr',
  '5R1agz29RlgaSMhNSO9kgOyZ',
  '-----END CERTIFICATE REQUEST-----',
].join('\n');

/**
 * Onboarding a site's gateway: the gateway makes its key pair and a CSR (the private key never leaves it), an
 * operator posts the CSR, and the platform answers with the signed certificate and where to connect. One gateway
 * identity per site: posting the same key again returns the same certificate.
 */
export const onboardGatewayBodySchema = z.strictObject({
  /** PEM `CERTIFICATE REQUEST`; its subject CN must be the site id (the gateway's thing name). */
  csr: z
    .string()
    .min(1)
    .max(16_384)
    .meta({ description: 'PEM CERTIFICATE REQUEST, subject CN = the site id', example: EXAMPLE_GATEWAY_CSR_PEM }),
});
export type OnboardGatewayBody = z.infer<typeof onboardGatewayBodySchema>;

export const gatewayCredentialsSchema = z.object({
  siteId: z.string(),
  thingName: z.string(),
  certificateId: z.string(),
  certificateArn: z.string(),
  /** PEM of the signed certificate, to install beside the gateway's private key. */
  certificatePem: z.string(),
  /** The CA that signed the broker's server certificate (AmazonRootCA1 in AWS), for the gateway's trust store. */
  rootCaPem: z.string().optional(),
  /** MQTT over TLS (`iot:Data-ATS` in AWS, the local broker's host:port locally). */
  dataEndpoint: z.string(),
  /** Where Greengrass trades the certificate for AWS credentials (`iot:CredentialProvider`). */
  credentialEndpoint: z.string(),
  /** The token exchange role alias named in the nucleus's configuration. */
  roleAlias: z.string(),
  thingGroupName: z.string(),
  /** False when this key had been onboarded before and the existing certificate is returned. */
  created: z.boolean(),
  /**
   * Multi-region: the same certificate registered in each other region (thing, policy and group there too), with
   * that region's endpoints and role alias: a gateway fails over to them without being onboarded again.
   * @default none (a single region)
   */
  otherRegions: z
    .array(
      z.object({
        region: z.string(),
        certificateArn: z.string(),
        dataEndpoint: z.string(),
        credentialEndpoint: z.string(),
        roleAlias: z.string(),
        thingGroupName: z.string(),
      }),
    )
    .optional(),
});
export type GatewayCredentials = z.infer<typeof gatewayCredentialsSchema>;

export const gatewayRevokedSchema = z.object({
  siteId: z.string(),
  certificates: z.array(
    z.object({
      certificateId: z.string(),
      /** Deactivated (refused at its next connect) and detached; deleted unless the registry still held it. */
      deleted: z.boolean(),
    }),
  ),
});
export type GatewayRevoked = z.infer<typeof gatewayRevokedSchema>;
