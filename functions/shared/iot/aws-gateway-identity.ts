import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  type IoTClient,
  ListThingPrincipalsCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import type { GatewayCredentials, GatewayRevoked } from '../../../core/api/gateways.js';
import { certifiesKeyOf, checkCsr } from './csr.js';
import { CsrRefusedError, GatewayAlreadyOnboardedError, type GatewayIdentityProvider } from './gateway-identity.js';

/** One region's IoT registry and the names its IoT stack gave the gateways' policy, group and role alias. */
export interface GatewayRegistry {
  readonly client: Pick<IoTClient, 'send'>;
  /** The IoT policy every gateway certificate carries (stacks/constructs/gateway-policy.ts). */
  readonly policyName: string;
  /** The thing group Greengrass deployments target. */
  readonly thingGroupName: string;
  /** Given to things this call creates (things the stack made keep theirs). */
  readonly thingTypeName: string;
  /** The token exchange role alias the nucleus names in its configuration. */
  readonly roleAlias: string;
}

export interface AwsGatewayIdentityOptions extends GatewayRegistry {
  /**
   * Multi-region: the other regions' registries. The certificate this region's IoT signs is registered in each of
   * them too (RegisterCertificateWithoutCA: IoT's multi-account registration, no CA registered there), attached to
   * the site's thing there, to that region's gateway policy, and the thing put in that region's group; revoking
   * revokes it there as well. @default none
   */
  readonly otherRegions?: ReadonlyArray<GatewayRegistry & { readonly region: string }>;
}

const certificateIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const isNotFound = (error: unknown) => (error as Error).name === 'ResourceNotFoundException';

/**
 * Gateway identities in IoT Core's registry. Onboarding makes the site's thing if it is missing, has IoT's CA sign the
 * gateway's CSR (CreateCertificateFromCsr: the private key stays on the gateway), attaches the certificate to the
 * thing and to the gateway policy and puts the thing in the gateways' thing group. Idempotent per site: the thing
 * is reused, and a CSR for a key the site already holds an active certificate for returns that certificate (IoT would
 * sign the same CSR again into a second certificate). Revoking deactivates first, so the certificate is refused at
 * its next connect even if a later step fails.
 */
export class AwsGatewayIdentities implements GatewayIdentityProvider {
  constructor(private readonly options: AwsGatewayIdentityOptions) {}

  async onboard(siteId: string, csrPem: string): Promise<GatewayCredentials> {
    const checked = await checkCsr(csrPem, siteId);
    if (!checked.ok) throw new CsrRefusedError(checked.violations);
    const { client, thingGroupName, otherRegions = [] } = this.options;
    await ensureThing(this.options, siteId);
    let issued = await this.activeCertificateFor(siteId, (pem) => certifiesKeyOf(pem, checked.csr));
    const created = issued === undefined;
    if (!issued) {
      const output = await client.send(
        new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem, setAsActive: true }),
      );
      issued = { arn: output.certificateArn!, id: output.certificateId!, pem: output.certificatePem! };
    }
    await attach(this.options, siteId, issued.arn);
    const home = await endpoints(client);
    const others = [];
    for (const other of otherRegions) {
      await ensureThing(other, siteId);
      const certificateArn = await registerWithoutCa(other, issued.pem);
      await attach(other, siteId, certificateArn);
      const { dataEndpoint, credentialEndpoint } = await endpoints(other.client);
      const { region, roleAlias, thingGroupName: group } = other;
      others.push({ region, certificateArn, dataEndpoint, credentialEndpoint, roleAlias, thingGroupName: group });
    }
    return {
      siteId,
      thingName: siteId,
      certificateId: issued.id,
      certificateArn: issued.arn,
      certificatePem: issued.pem,
      ...home,
      roleAlias: this.options.roleAlias,
      thingGroupName,
      created,
      ...(others.length > 0 ? { otherRegions: others } : {}),
    };
  }

  async revoke(siteId: string): Promise<GatewayRevoked> {
    // The other regions first: a certificate left active there would still connect after a failover.
    for (const other of this.options.otherRegions ?? []) await revokeIn(other, siteId);
    return { siteId, certificates: await revokeIn(this.options, siteId) };
  }

  /** The site's active certificate for `sameKey`; throws when the site has an active one for another key. */
  private async activeCertificateFor(siteId: string, sameKey: (pem: string) => boolean) {
    for (const arn of await principalsOf(this.options, siteId)) {
      const { certificateDescription: d } = await this.options.client.send(
        new DescribeCertificateCommand({ certificateId: certificateIdOf(arn) }),
      );
      if (d?.status !== 'ACTIVE' || !d.certificatePem) continue;
      if (sameKey(d.certificatePem)) return { arn, id: d.certificateId!, pem: d.certificatePem };
      throw new GatewayAlreadyOnboardedError(siteId, d.certificateId!);
    }
    return undefined;
  }
}

/** Certificate to thing, policy to certificate, thing to group: each a no-op when done, so a retry finishes the job. */
async function attach(registry: GatewayRegistry, thingName: string, certificateArn: string): Promise<void> {
  const { client, policyName, thingGroupName } = registry;
  await client.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));
  await client.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
  await client.send(new AddThingToThingGroupCommand({ thingGroupName, thingName }));
}

/** The certificate in another region's registry, active; the one already there when a retry registers it again. */
async function registerWithoutCa(registry: GatewayRegistry, certificatePem: string): Promise<string> {
  try {
    const output = await registry.client.send(
      new RegisterCertificateWithoutCACommand({ certificatePem, status: 'ACTIVE' }),
    );
    return output.certificateArn!;
  } catch (error) {
    const existing = error as Error & { resourceArn?: string };
    if (existing.name !== 'ResourceAlreadyExistsException' || !existing.resourceArn) throw error;
    return existing.resourceArn;
  }
}

async function endpoints(client: Pick<IoTClient, 'send'>) {
  const [data, credentials] = await Promise.all(
    (['iot:Data-ATS', 'iot:CredentialProvider'] as const).map((endpointType) =>
      client.send(new DescribeEndpointCommand({ endpointType })),
    ),
  );
  return { dataEndpoint: data!.endpointAddress!, credentialEndpoint: credentials!.endpointAddress! };
}

/** Deactivates, detaches and deletes every certificate of the site's thing in one registry. */
async function revokeIn(registry: GatewayRegistry, siteId: string): Promise<GatewayRevoked['certificates']> {
  const { client, policyName } = registry;
  const certificates: GatewayRevoked['certificates'] = [];
  for (const arn of await principalsOf(registry, siteId)) {
    const certificateId = certificateIdOf(arn);
    await client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    await client.send(new DetachThingPrincipalCommand({ thingName: siteId, principal: arn }));
    await client.send(new DetachPolicyCommand({ policyName, target: arn }));
    // Detaching from the thing is eventually consistent: a delete that still sees it attached is refused, and the
    // certificate stays, inactive, for the next revoke to delete.
    const deleted = await client
      .send(new DeleteCertificateCommand({ certificateId, forceDelete: true }))
      .then(() => true)
      .catch((error: Error) => {
        if (error.name === 'DeleteConflictException') return false;
        throw error;
      });
    certificates.push({ certificateId, deleted });
  }
  return certificates;
}

async function ensureThing(registry: GatewayRegistry, thingName: string): Promise<void> {
  try {
    await registry.client.send(new DescribeThingCommand({ thingName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await registry.client.send(
      new CreateThingCommand({
        thingName,
        thingTypeName: registry.thingTypeName,
        attributePayload: { attributes: { siteId: thingName } },
      }),
    );
  }
}

async function principalsOf(registry: GatewayRegistry, thingName: string): Promise<string[]> {
  try {
    const output = await registry.client.send(new ListThingPrincipalsCommand({ thingName }));
    return (output.principals ?? []).filter((p) => p.includes(':cert/'));
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
