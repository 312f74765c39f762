import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTROL_PLANE_ACCESS, OBSERVER_ACCESS, OPERATOR_ACCESS } from '../../core/iot/topic-access.js';
import { type Clock, systemClock } from '../../core/support/clock.js';
import { useLocalGatewayIdentities } from '../../functions/api/operator/gateway-identities.js';
import { DeviceShadows, ShadowService } from '../local/device-shadows.js';
import { generateKeyAndCsr } from '../local/local-ca.js';
import { type ClientTlsMaterial, LocalMqttIdentities } from '../local/local-mqtt-identities.js';
import { type RunningMqttBroker, startMqttBroker } from '../local/mqtt-broker.js';

/** The operator's certificate files and the mosquitto_sub line that uses them. */
export interface OperatorCertificate {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly mosquittoSub: string;
}

export interface LocalMqtt {
  readonly broker: RunningMqttBroker;
  readonly identities: LocalMqttIdentities;
  /** The control plane's client material (switching, market relay, routing, latest-state rules). */
  readonly controlPlane: ClientTlsMaterial;
  /** The observer's (the dashboard's data): read-only. */
  readonly observer: ClientTlsMaterial;
  readonly operator: OperatorCertificate;
  /** The Device Shadow service on this broker (named shadows: the gateways' site configuration). */
  readonly shadows: ShadowService;
  /** Onboards a site's gateway as a new device is: its own key and CSR, signed through the onboarding port. */
  onboardGateway(siteId: string): Promise<ClientTlsMaterial>;
  /** The material `onboardGateway` gave the site (its GPU worker shares the gateway's identity). */
  gatewayTls(siteId: string): ClientTlsMaterial | undefined;
  stop(): Promise<void>;
}

/**
 * The local platform's IoT Core stand-in with identities: its CA, the broker over mutual TLS, a certificate per
 * platform service with that service's rules, and the operator's read-only certificate written to
 * `<dataDir>/mqtt/` (a temporary directory without one) for mosquitto_sub. The API's onboarding routes use the same
 * CA while the platform runs.
 */
export async function startLocalMqtt(dataDir: string | undefined, clock: Clock = systemClock): Promise<LocalMqtt> {
  // Under --data the CA persists: a phone that trusts it for the dashboard's HTTPS (--tls) keeps trusting it.
  const identities = await LocalMqttIdentities.create(dataDir ? path.join(dataDir, 'ca') : undefined);
  const broker = await startMqttBroker({
    tls: { ...identities.serverTls, identityOf: (certificate) => identities.identityOf(certificate) },
  });
  identities.useEndpoint(broker.url);
  const shadows = new ShadowService(new DeviceShadows(clock), broker.inProcess);
  useLocalGatewayIdentities(identities);
  const controlPlane = await identities.issueService('hcp-control-plane', CONTROL_PLANE_ACCESS);
  const observer = await identities.issueService('hcp-observer', OBSERVER_ACCESS);
  const operator = writeOperatorCertificate(
    dataDir ? path.join(dataDir, 'mqtt') : mkdtempSync(path.join(tmpdir(), 'hcp-mqtt-')),
    await identities.issueService('hcp-operator', OPERATOR_ACCESS),
    broker.port,
  );
  const gateways = new Map<string, ClientTlsMaterial>();
  return {
    broker,
    identities,
    controlPlane,
    observer,
    operator,
    shadows,
    async onboardGateway(siteId) {
      const device = await generateKeyAndCsr(siteId);
      const credentials = await identities.onboard(siteId, device.csrPem);
      const material = { key: device.keyPem, cert: credentials.certificatePem, ca: identities.ca.certificatePem };
      gateways.set(siteId, material);
      return material;
    },
    gatewayTls: (siteId) => gateways.get(siteId),
    async stop() {
      useLocalGatewayIdentities(undefined);
      await broker.stop();
    },
  };
}

function writeOperatorCertificate(dir: string, material: ClientTlsMaterial, port: number): OperatorCertificate {
  mkdirSync(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.pem');
  const certFile = path.join(dir, 'operator.crt');
  const keyFile = path.join(dir, 'operator.key');
  writeFileSync(caFile, material.ca);
  writeFileSync(certFile, material.cert);
  writeFileSync(keyFile, material.key, { mode: 0o600 });
  const mosquittoSub =
    `mosquitto_sub -h 127.0.0.1 -p ${port} --cafile ${caFile} --cert ${certFile} --key ${keyFile} ` +
    `-i hcp-operator -t 'hcp/v1/sites/+/telemetry' -v`;
  return { dir, caFile, certFile, keyFile, mosquittoSub };
}
