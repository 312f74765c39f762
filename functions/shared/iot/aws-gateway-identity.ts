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
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import type { GatewayCredentials, GatewayRevoked } from '../../../core/api/gateways.js';
import { certifiesKeyOf, checkCsr } from './csr.js';
import { CsrRefusedError, GatewayAlreadyOnboardedError, type GatewayIdentityProvider } from './gateway-identity.js';

export interface AwsGatewayIdentityOptions {
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
    const { client, policyName, thingGroupName } = this.options;
    await this.ensureThing(siteId);
    let issued = await this.activeCertificateFor(siteId, (pem) => certifiesKeyOf(pem, checked.csr));
    const created = issued === undefined;
    if (!issued) {
      const output = await client.send(
        new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem, setAsActive: true }),
      );
      issued = { arn: output.certificateArn!, id: output.certificateId!, pem: output.certificatePem! };
      await client.send(new AttachThingPrincipalCommand({ thingName: siteId, principal: issued.arn }));
    }
    // Both are no-ops when already done, so a retried onboarding finishes what a failed one started.
    await client.send(new AttachPolicyCommand({ policyName, target: issued.arn }));
    await client.send(new AddThingToThingGroupCommand({ thingGroupName, thingName: siteId }));
    const [data, credentials] = await Promise.all(
      (['iot:Data-ATS', 'iot:CredentialProvider'] as const).map((endpointType) =>
        client.send(new DescribeEndpointCommand({ endpointType })),
      ),
    );
    return {
      siteId,
      thingName: siteId,
      certificateId: issued.id,
      certificateArn: issued.arn,
      certificatePem: issued.pem,
      dataEndpoint: data!.endpointAddress!,
      credentialEndpoint: credentials!.endpointAddress!,
      roleAlias: this.options.roleAlias,
      thingGroupName,
      created,
    };
  }

  async revoke(siteId: string): Promise<GatewayRevoked> {
    const { client, policyName } = this.options;
    const certificates: GatewayRevoked['certificates'] = [];
    for (const arn of await this.principalsOf(siteId)) {
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
    return { siteId, certificates };
  }

  private async ensureThing(thingName: string): Promise<void> {
    try {
      await this.options.client.send(new DescribeThingCommand({ thingName }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.options.client.send(
        new CreateThingCommand({
          thingName,
          thingTypeName: this.options.thingTypeName,
          attributePayload: { attributes: { siteId: thingName } },
        }),
      );
    }
  }

  private async principalsOf(thingName: string): Promise<string[]> {
    try {
      const output = await this.options.client.send(new ListThingPrincipalsCommand({ thingName }));
      return (output.principals ?? []).filter((p) => p.includes(':cert/'));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** The site's active certificate for `sameKey`; throws when the site has an active one for another key. */
  private async activeCertificateFor(siteId: string, sameKey: (pem: string) => boolean) {
    for (const arn of await this.principalsOf(siteId)) {
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
