import { IoTClient } from '@aws-sdk/client-iot';
import { z } from 'zod';
import { configGetter } from '../../shared/config.js';
import { HttpError } from '../../shared/http.js';
import { AwsGatewayIdentities } from '../../shared/iot/aws-gateway-identity.js';
import {
  CsrRefusedError,
  GatewayAlreadyOnboardedError,
  type GatewayIdentityProvider,
} from '../../shared/iot/gateway-identity.js';
import { traced } from '../../shared/powertools.js';

const config = configGetter(
  z.object({
    GATEWAY_POLICY_NAME: z.string().min(1),
    GATEWAY_THING_GROUP_NAME: z.string().min(1),
    GATEWAY_THING_TYPE_NAME: z.string().min(1),
    GATEWAY_ROLE_ALIAS: z.string().min(1),
    /** Multi-region: the other regions' registries (JSON list of region, policy, group, role alias). @default none */
    GATEWAY_OTHER_REGIONS: z
      .string()
      .default('[]')
      .transform((text) => JSON.parse(text) as unknown)
      .pipe(
        z.array(
          z.strictObject({
            region: z.string().min(1),
            policyName: z.string().min(1),
            thingGroupName: z.string().min(1),
            roleAlias: z.string().min(1),
          }),
        ),
      ),
  }),
);

let local: GatewayIdentityProvider | undefined;
let aws: GatewayIdentityProvider | undefined;

/** The local platform hands its CA-backed provider here, as it does its broker's publishers (never called in AWS). */
export function useLocalGatewayIdentities(provider: GatewayIdentityProvider | undefined): void {
  local = provider;
}

/** IoT Core's registry in AWS, configured from the environment the API stack sets; the local CA when one is set. */
export function gatewayIdentities(): GatewayIdentityProvider {
  if (local) return local;
  if (!aws) {
    const c = config();
    aws = new AwsGatewayIdentities({
      client: traced(new IoTClient({})),
      policyName: c.GATEWAY_POLICY_NAME,
      thingGroupName: c.GATEWAY_THING_GROUP_NAME,
      thingTypeName: c.GATEWAY_THING_TYPE_NAME,
      roleAlias: c.GATEWAY_ROLE_ALIAS,
      otherRegions: c.GATEWAY_OTHER_REGIONS.map((other) => ({
        ...other,
        client: traced(new IoTClient({ region: other.region })),
        thingTypeName: c.GATEWAY_THING_TYPE_NAME,
      })),
    });
  }
  return aws;
}

/** A refused CSR is the caller's 422 naming each rule it breaks; a second key for an onboarded site is a 409. */
export function asHttpError(error: unknown): unknown {
  if (error instanceof CsrRefusedError) {
    return new HttpError(
      422,
      'csr-refused',
      error.message,
      error.violations.map((v) => ({ field: 'csr', rule: v.rule, message: v.message })),
    );
  }
  if (error instanceof GatewayAlreadyOnboardedError) return new HttpError(409, 'conflict', error.message);
  return error;
}
