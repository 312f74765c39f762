import { Readable } from 'node:stream';
import { IoTClient } from '@aws-sdk/client-iot';
import { AwsGatewayIdentities } from '../../../functions/shared/iot/aws-gateway-identity.js';
import { CsrRefusedError, GatewayAlreadyOnboardedError } from '../../../functions/shared/iot/gateway-identity.js';
import { Pkcs10CertificateRequest } from '../../../functions/shared/iot/x509.js';
import { generateKeyAndCsr, LocalCertificateAuthority } from '../../../sim/local/local-ca.js';

/**
 * The IoT Core adapter on the HTTP requests the SDK really serialises: a custom `requestHandler` captures each request
 * and answers as IoT's registry would (no network). The expected method, path, query, headers and body of each
 * operation are those of the AWS IoT API reference's "Request Syntax" (e.g. AttachThingPrincipal:
 * `PUT /things/thingName/principals` with the certificate ARN in `x-amzn-principal`).
 */

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly principal?: string;
  readonly body?: unknown;
}

/** The serialised body: the SDK hands a byte array (a string in older releases). */
const bodyText = (body: string | Uint8Array) =>
  typeof body === 'string'
    ? body
    : new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));

const ACCOUNT_ARN = 'arn:aws:iot:us-east-2:123456789012';
const SITE = 'site-west-1';

/** IoT's registry as far as onboarding touches it, answering in the REST-JSON shapes of the API reference. */
class FakeIotRegistry {
  readonly requests: Captured[] = [];
  readonly things = new Set<string>();
  readonly principals = new Map<string, string[]>();
  readonly certificates = new Map<string, { pem: string; status: string }>();
  readonly policyTargets = new Set<string>();
  readonly groupMembers = new Set<string>();
  private serial = 0;

  constructor(
    private readonly ca: LocalCertificateAuthority,
    private readonly region = 'us-east-2',
  ) {}

  private get accountArn() {
    return `arn:aws:iot:${this.region}:123456789012`;
  }

  client(): IoTClient {
    return new IoTClient({
      region: this.region,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: {
          method: string;
          path: string;
          query?: Record<string, string | string[] | null>;
          headers: Record<string, string>;
          body?: string | Uint8Array;
        }) => {
          const captured: Captured = {
            method: request.method,
            path: request.path,
            query: Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, String(v)])),
            ...(request.headers['x-amzn-principal'] ? { principal: request.headers['x-amzn-principal'] } : {}),
            ...(request.body ? { body: JSON.parse(bodyText(request.body)) } : {}),
          };
          this.requests.push(captured);
          const [status, body] = await this.answer(captured);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (status >= 400) headers['x-amzn-errortype'] = (body as { type: string }).type;
          return {
            response: {
              statusCode: status,
              headers,
              body: Readable.from([Buffer.from(JSON.stringify(body))]),
            },
          };
        },
      } as never,
    });
  }

  private async answer(r: Captured): Promise<[number, unknown]> {
    const thing = /^\/things\/([^/]+)/.exec(r.path)?.[1];
    const certificateId = /^\/certificates\/([^/?]+)$/.exec(r.path)?.[1];
    const notFound = [404, { type: 'ResourceNotFoundException', message: 'not found' }] as [number, unknown];
    if (r.method === 'GET' && thing && !r.path.endsWith('/principals')) {
      return this.things.has(thing) ? [200, { thingName: thing }] : notFound;
    }
    if (r.method === 'POST' && thing) {
      this.things.add(thing);
      return [200, { thingName: thing, thingArn: `${this.accountArn}:thing/${thing}`, thingId: 'id' }];
    }
    if (r.method === 'GET' && thing) return [200, { principals: this.principals.get(thing) ?? [] }];
    if (r.method === 'PUT' && thing) {
      this.principals.set(thing, [...(this.principals.get(thing) ?? []), r.principal!]);
      return [200, {}];
    }
    if (r.method === 'DELETE' && thing) {
      this.principals.set(
        thing,
        (this.principals.get(thing) ?? []).filter((p) => p !== r.principal),
      );
      return [200, {}];
    }
    if (r.method === 'POST' && r.path === '/certificates') {
      const csr = new Pkcs10CertificateRequest(
        (r.body as { certificateSigningRequest: string }).certificateSigningRequest,
      );
      const signed = await this.ca.signCsr(csr);
      const id = `cert${++this.serial}`;
      this.certificates.set(id, { pem: signed.certificatePem, status: 'ACTIVE' });
      return [
        200,
        { certificateArn: `${this.accountArn}:cert/${id}`, certificateId: id, certificatePem: signed.certificatePem },
      ];
    }
    if (r.method === 'POST' && r.path === '/certificate/register-no-ca') {
      const { certificatePem, status } = r.body as { certificatePem: string; status: string };
      const known = [...this.certificates].find(([, cert]) => cert.pem === certificatePem);
      if (known) {
        const resourceArn = `${this.accountArn}:cert/${known[0]}`;
        return [409, { type: 'ResourceAlreadyExistsException', message: 'exists', resourceId: known[0], resourceArn }];
      }
      const id = `reg${++this.serial}`;
      this.certificates.set(id, { pem: certificatePem, status });
      return [200, { certificateArn: `${this.accountArn}:cert/${id}`, certificateId: id }];
    }
    if (r.method === 'GET' && certificateId) {
      const cert = this.certificates.get(certificateId);
      if (!cert) return notFound;
      return [200, { certificateDescription: { certificateId, status: cert.status, certificatePem: cert.pem } }];
    }
    if (r.method === 'PUT' && certificateId) {
      this.certificates.get(certificateId)!.status = r.query.newStatus!;
      return [200, {}];
    }
    if (r.method === 'DELETE' && certificateId) {
      this.certificates.delete(certificateId);
      return [200, {}];
    }
    const target = (r.body as { target?: string } | undefined)?.target;
    if (r.method === 'PUT' && r.path.startsWith('/target-policies/')) {
      this.policyTargets.add(target!);
      return [200, {}];
    }
    if (r.method === 'POST' && r.path.startsWith('/target-policies/')) {
      this.policyTargets.delete(target!);
      return [200, {}];
    }
    if (r.method === 'PUT' && r.path === '/thing-groups/addThingToThingGroup') {
      this.groupMembers.add((r.body as { thingName: string }).thingName);
      return [200, {}];
    }
    if (r.method === 'GET' && r.path === '/endpoint') {
      const host = r.query.endpointType === 'iot:Data-ATS' ? 'abc-ats.iot' : 'xyz.credentials.iot';
      return [200, { endpointAddress: `${host}.${this.region}.amazonaws.com` }];
    }
    return [400, { type: 'InvalidRequestException', message: `unexpected ${r.method} ${r.path}` }];
  }
}

let ca: LocalCertificateAuthority;
beforeAll(async () => {
  ca = await LocalCertificateAuthority.create();
});

function setUp(existingThing = true) {
  const registry = new FakeIotRegistry(ca);
  if (existingThing) registry.things.add(SITE);
  const identities = new AwsGatewayIdentities({
    client: registry.client(),
    policyName: 'Hcp-dev-Iot-gateway',
    thingGroupName: 'Gateways-ABC',
    thingTypeName: 'hcp-site-gateway',
    roleAlias: 'Hcp-dev-Iot-token-exchange',
  });
  return { registry, identities };
}

describe('the IoT Core gateway identity adapter, on the requests the SDK sends', () => {
  it('onboards a new site: creates the thing, signs the CSR, attaches thing and policy, joins the group', async () => {
    // Prepare
    const { registry, identities } = setUp(false);
    const device = await generateKeyAndCsr(SITE);

    // Act
    const credentials = await identities.onboard(SITE, device.csrPem);

    // Assess: the documented request syntax of each call, in order.
    const certArn = `${ACCOUNT_ARN}:cert/cert1`;
    expect(registry.requests).toEqual([
      { method: 'GET', path: `/things/${SITE}`, query: {} },
      {
        method: 'POST',
        path: `/things/${SITE}`,
        query: {},
        body: { thingTypeName: 'hcp-site-gateway', attributePayload: { attributes: { siteId: SITE } } },
      },
      { method: 'GET', path: `/things/${SITE}/principals`, query: {} },
      {
        method: 'POST',
        path: '/certificates',
        query: { setAsActive: 'true' },
        body: { certificateSigningRequest: device.csrPem },
      },
      { method: 'PUT', path: `/things/${SITE}/principals`, query: {}, principal: certArn },
      { method: 'PUT', path: '/target-policies/Hcp-dev-Iot-gateway', query: {}, body: { target: certArn } },
      {
        method: 'PUT',
        path: '/thing-groups/addThingToThingGroup',
        query: {},
        body: { thingGroupName: 'Gateways-ABC', thingName: SITE },
      },
      { method: 'GET', path: '/endpoint', query: { endpointType: 'iot:Data-ATS' } },
      { method: 'GET', path: '/endpoint', query: { endpointType: 'iot:CredentialProvider' } },
    ]);
    expect(credentials).toMatchObject({
      siteId: SITE,
      thingName: SITE,
      certificateId: 'cert1',
      certificateArn: certArn,
      dataEndpoint: 'abc-ats.iot.us-east-2.amazonaws.com',
      credentialEndpoint: 'xyz.credentials.iot.us-east-2.amazonaws.com',
      roleAlias: 'Hcp-dev-Iot-token-exchange',
      thingGroupName: 'Gateways-ABC',
      created: true,
    });
    expect(credentials.certificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('is idempotent per site: the same key again reuses the thing and the certificate, signing nothing', async () => {
    // Prepare
    const { registry, identities } = setUp();
    const device = await generateKeyAndCsr(SITE);
    const first = await identities.onboard(SITE, device.csrPem);
    registry.requests.length = 0;

    // Act
    const again = await identities.onboard(SITE, device.csrPem);

    // Assess
    expect(again).toMatchObject({
      certificateId: first.certificateId,
      certificatePem: first.certificatePem,
      created: false,
    });
    expect(registry.requests.map((r) => `${r.method} ${r.path}`)).not.toContain('POST /certificates');
    expect(registry.requests.map((r) => `${r.method} ${r.path}`)).not.toContain(`POST /things/${SITE}`);
    expect(registry.requests).toContainEqual({ method: 'GET', path: '/certificates/cert1', query: {} });
    expect(registry.certificates.size).toBe(1);
  });

  it('refuses a second key for a site that holds an active certificate', async () => {
    // Prepare
    const { registry, identities } = setUp();
    await identities.onboard(SITE, (await generateKeyAndCsr(SITE)).csrPem);

    // Act
    const second = identities.onboard(SITE, (await generateKeyAndCsr(SITE)).csrPem);

    // Assess
    await expect(second).rejects.toBeInstanceOf(GatewayAlreadyOnboardedError);
    expect(registry.certificates.size).toBe(1);
  });

  it('refuses a bad CSR before calling IoT at all', async () => {
    // Prepare
    const { registry, identities } = setUp();

    // Act
    const refused = identities.onboard(SITE, (await generateKeyAndCsr('site-south-1')).csrPem);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(CsrRefusedError);
    expect(registry.requests).toEqual([]);
  });

  it('revokes: deactivates first, then detaches thing and policy and deletes the certificate', async () => {
    // Prepare
    const { registry, identities } = setUp();
    const onboarded = await identities.onboard(SITE, (await generateKeyAndCsr(SITE)).csrPem);
    registry.requests.length = 0;

    // Act
    const revoked = await identities.revoke(SITE);

    // Assess
    const certArn = onboarded.certificateArn;
    expect(registry.requests).toEqual([
      { method: 'GET', path: `/things/${SITE}/principals`, query: {} },
      { method: 'PUT', path: '/certificates/cert1', query: { newStatus: 'INACTIVE' } },
      { method: 'DELETE', path: `/things/${SITE}/principals`, query: {}, principal: certArn },
      { method: 'POST', path: '/target-policies/Hcp-dev-Iot-gateway', query: {}, body: { target: certArn } },
      { method: 'DELETE', path: '/certificates/cert1', query: { forceDelete: 'true' } },
    ]);
    expect(revoked).toEqual({ siteId: SITE, certificates: [{ certificateId: 'cert1', deleted: true }] });
    expect(registry.certificates.size).toBe(0);
    expect(registry.principals.get(SITE)).toEqual([]);
    expect(registry.policyTargets.has(certArn)).toBe(false);
  });

  it('registers the same certificate in the other region: thing, certificate without CA, policy and group there', async () => {
    // Prepare
    const { registry, identities, standby } = setUpTwoRegions();
    const device = await generateKeyAndCsr(SITE);

    // Act
    const credentials = await identities.onboard(SITE, device.csrPem);
    const again = await identities.onboard(SITE, device.csrPem);

    // Assess: IoT signed once, at home; the standby holds the same PEM, active, attached as at home.
    expect(registry.certificates.size).toBe(1);
    const [standbyId, standbyCert] = [...standby.certificates][0]!;
    expect(standbyCert).toEqual({ pem: credentials.certificatePem, status: 'ACTIVE' });
    const standbyArn = `arn:aws:iot:us-west-2:123456789012:cert/${standbyId}`;
    expect(standby.things.has(SITE)).toBe(true);
    expect(standby.principals.get(SITE)).toContain(standbyArn);
    expect(standby.policyTargets.has(standbyArn)).toBe(true);
    expect(standby.groupMembers.has(SITE)).toBe(true);
    expect(standby.requests).toContainEqual({
      method: 'POST',
      path: '/certificate/register-no-ca',
      query: {},
      body: { certificatePem: credentials.certificatePem, status: 'ACTIVE' },
    });
    expect(credentials.otherRegions).toEqual([
      {
        region: 'us-west-2',
        certificateArn: standbyArn,
        dataEndpoint: 'abc-ats.iot.us-west-2.amazonaws.com',
        credentialEndpoint: 'xyz.credentials.iot.us-west-2.amazonaws.com',
        roleAlias: 'Hcp-dev-us-west-2-Iot-token-exchange',
        thingGroupName: 'Hcp-dev-us-west-2-Iot-gateways',
      },
    ]);
    // A second onboarding finds it registered there (ResourceAlreadyExists names it) and registers nothing new.
    expect(again.otherRegions?.[0]?.certificateArn).toBe(standbyArn);
    expect(standby.certificates.size).toBe(1);
  });

  it('revokes in the other region too, so the certificate cannot connect there after a failover', async () => {
    // Prepare
    const { identities, standby } = setUpTwoRegions();
    await identities.onboard(SITE, (await generateKeyAndCsr(SITE)).csrPem);

    // Act
    await identities.revoke(SITE);

    // Assess
    expect(standby.certificates.size).toBe(0);
    expect(standby.principals.get(SITE)).toEqual([]);
    expect(standby.policyTargets.size).toBe(0);
  });
});

function setUpTwoRegions() {
  const registry = new FakeIotRegistry(ca);
  const standby = new FakeIotRegistry(ca, 'us-west-2');
  const identities = new AwsGatewayIdentities({
    client: registry.client(),
    policyName: 'Hcp-dev-Iot-gateway',
    thingGroupName: 'Hcp-dev-Iot-gateways',
    thingTypeName: 'hcp-site-gateway',
    roleAlias: 'Hcp-dev-Iot-token-exchange',
    otherRegions: [
      {
        region: 'us-west-2',
        client: standby.client(),
        policyName: 'Hcp-dev-us-west-2-Iot-gateway',
        thingGroupName: 'Hcp-dev-us-west-2-Iot-gateways',
        thingTypeName: 'hcp-site-gateway',
        roleAlias: 'Hcp-dev-us-west-2-Iot-token-exchange',
      },
    ],
  });
  return { registry, standby, identities };
}
