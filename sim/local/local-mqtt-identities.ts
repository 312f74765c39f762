import type { PeerCertificate } from 'node:tls';
import type { GatewayCredentials, GatewayRevoked } from '../../core/api/gateways.js';
import { gatewayTopicAccess, type TopicAccess } from '../../core/iot/topic-access.js';
import { certifiesKeyOf, checkCsr } from '../../functions/shared/iot/csr.js';
import {
  CsrRefusedError,
  GatewayAlreadyOnboardedError,
  type GatewayIdentityProvider,
} from '../../functions/shared/iot/gateway-identity.js';
import { type KeyAndCertificate, LocalCertificateAuthority } from './local-ca.js';

/** Who a client certificate stands for, and what the broker lets it do. */
export interface MqttIdentity {
  readonly name: string;
  readonly access: TopicAccess;
}

/** Key, certificate and trust anchor for a TLS client (mqtt.js options, mosquitto's --key/--cert/--cafile). */
export interface ClientTlsMaterial {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

const LOCAL_THING_GROUP = 'hcp-local-gateways';
const LOCAL_ROLE_ALIAS = 'hcp-local-token-exchange';

/**
 * The local platform's identities: its CA, every certificate it issued and what each may do on the broker. Gateways
 * are onboarded from their CSRs through the same port as in AWS (GatewayIdentityProvider) and get their site's
 * gateway rules; platform services get a key pair and their own rules. The broker asks `identityOf` for each TLS
 * client: an unknown or revoked serial is refused.
 */
export class LocalMqttIdentities implements GatewayIdentityProvider {
  private readonly issued = new Map<string, MqttIdentity>();
  private readonly gateways = new Map<string, { certificateId: string; certificatePem: string }>();
  private endpoint = '';

  private constructor(
    readonly ca: LocalCertificateAuthority,
    readonly server: KeyAndCertificate,
  ) {}

  /** With `caDir`, the CA kept there across restarts (LocalCertificateAuthority.openOrCreate); else a new one. */
  static async create(caDir?: string): Promise<LocalMqttIdentities> {
    const ca = await LocalCertificateAuthority.openOrCreate(caDir);
    return new LocalMqttIdentities(ca, await ca.issueKeyPair('localhost', 'server'));
  }

  /** The broker's TLS server material: its key and certificate, and the CA its clients must be signed by. */
  get serverTls(): ClientTlsMaterial {
    return { key: this.server.keyPem, cert: this.server.certificatePem, ca: this.ca.certificatePem };
  }

  /** Where onboarded gateways are told to connect (the broker's `mqtts://` URL once it listens). */
  useEndpoint(url: string): void {
    this.endpoint = url;
  }

  /** A platform service's client key and certificate, for the rules in `access` (e.g. core's CONTROL_PLANE_ACCESS). */
  async issueService(name: string, access: TopicAccess): Promise<ClientTlsMaterial> {
    const material = await this.ca.issueKeyPair(name, 'client');
    this.issued.set(material.serialNumber, { name, access });
    return { key: material.keyPem, cert: material.certificatePem, ca: this.ca.certificatePem };
  }

  async onboard(siteId: string, csrPem: string): Promise<GatewayCredentials> {
    const checked = await checkCsr(csrPem, siteId);
    if (!checked.ok) throw new CsrRefusedError(checked.violations);
    const existing = this.gateways.get(siteId);
    if (existing && !certifiesKeyOf(existing.certificatePem, checked.csr)) {
      throw new GatewayAlreadyOnboardedError(siteId, existing.certificateId);
    }
    let certificate = existing;
    if (!certificate) {
      const signed = await this.ca.signCsr(checked.csr);
      certificate = { certificateId: signed.serialNumber, certificatePem: signed.certificatePem };
      this.gateways.set(siteId, certificate);
      this.issued.set(certificate.certificateId, { name: siteId, access: gatewayTopicAccess(siteId) });
    }
    return {
      siteId,
      thingName: siteId,
      certificateId: certificate.certificateId,
      certificateArn: `arn:hcp:local:::cert/${certificate.certificateId}`,
      certificatePem: certificate.certificatePem,
      rootCaPem: this.ca.certificatePem,
      dataEndpoint: this.endpoint,
      credentialEndpoint: 'none (the local platform has no credential provider)',
      roleAlias: LOCAL_ROLE_ALIAS,
      thingGroupName: LOCAL_THING_GROUP,
      created: !existing,
    };
  }

  async revoke(siteId: string): Promise<GatewayRevoked> {
    const existing = this.gateways.get(siteId);
    if (!existing) return { siteId, certificates: [] };
    this.gateways.delete(siteId);
    this.issued.delete(existing.certificateId);
    return { siteId, certificates: [{ certificateId: existing.certificateId, deleted: true }] };
  }

  /** The identity of a verified client certificate; undefined for one this CA did not issue or has revoked. */
  identityOf(certificate: PeerCertificate): MqttIdentity | undefined {
    return this.issued.get(certificate.serialNumber?.toUpperCase() ?? '');
  }
}
