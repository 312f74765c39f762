import type { GatewayCredentials, GatewayRevoked } from '../../../core/api/gateways.js';
import type { CsrViolation } from '../../../core/iot/csr-rules.js';

/**
 * Where gateway identities come from: IoT Core's registry and its CA in AWS (./aws-gateway-identity.ts), the local
 * platform's own CA in the simulator (sim/local/local-gateway-identity.ts). The API's onboarding routes use only this.
 */
export interface GatewayIdentityProvider {
  /** Signs the site gateway's CSR, or returns the certificate already issued for the same key. */
  onboard(siteId: string, csrPem: string): Promise<GatewayCredentials>;
  /** Deactivates, detaches and deletes every certificate of the site's gateway; an unknown site revokes nothing. */
  revoke(siteId: string): Promise<GatewayRevoked>;
}

/** A CSR the platform will not sign, with every rule it breaks. */
export class CsrRefusedError extends Error {
  constructor(readonly violations: readonly CsrViolation[]) {
    super(`CSR refused: ${violations.map((v) => `${v.rule}: ${v.message}`).join('; ')}`);
    this.name = 'CsrRefusedError';
  }
}

/** The site's gateway already holds an active certificate for another key: revoke it before onboarding a new one. */
export class GatewayAlreadyOnboardedError extends Error {
  constructor(
    readonly siteId: string,
    readonly certificateId: string,
  ) {
    super(
      `site ${siteId} already has an active gateway certificate ${certificateId} for another key: DELETE the gateway first`,
    );
    this.name = 'GatewayAlreadyOnboardedError';
  }
}
