import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { NucleusFailoverConfig } from '../../iot-greengrass/adapters/messaging/nucleus-endpoint-failover.js';
import { acknowledge, acknowledgeAwsCustomResourceFunction } from './nag.js';

/** A region's gateway role alias (by name: `<IoT stack>-token-exchange`, bin/app.ts `gatewayRegistryNames`). */
export interface GatewayRegion {
  readonly region: string;
  readonly roleAlias: string;
}

export interface NucleusFailoverRegionsProps {
  /** Every region, primary first (the failover moves down the list: docs/REGIONS.md). */
  readonly regions: readonly GatewayRegion[];
}

/** The IoT endpoints a Greengrass nucleus's configuration names (`iotDataEndpoint`, `iotCredEndpoint`). */
const ENDPOINT_TYPES = { dataEndpoint: 'iot:Data-ATS', credentialEndpoint: 'iot:CredentialProvider' } as const;

/**
 * com.hcp.Telemetry's `nucleusFailover.regions` for the stack's Greengrass deployment: every region's IoT data and
 * credential endpoints, which are account-and-region values CloudFormation does not expose, read at deploy time by
 * IoT `DescribeEndpoint` in that region (a custom resource per region and endpoint type; no cross-region reference),
 * with the region's role alias by name.
 */
export class NucleusFailoverRegions extends Construct {
  /** Deploy-time tokens for the endpoints; serialize with `Stack.toJsonString`. */
  readonly regions: NucleusFailoverConfig['regions'];

  constructor(scope: Construct, id: string, props: NucleusFailoverRegionsProps) {
    super(scope, id);
    // iot:DescribeEndpoint names no resource: IAM takes only `*` for it.
    const policy = cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });
    const endpointOf = (region: string, endpointType: string) =>
      new cr.AwsCustomResource(this, `${region}-${endpointType.replace(':', '-')}`, {
        onUpdate: {
          service: '@aws-sdk/client-iot',
          action: 'DescribeEndpoint',
          parameters: { endpointType },
          region,
          physicalResourceId: cr.PhysicalResourceId.of(`${region}-${endpointType}`),
          outputPaths: ['endpointAddress'],
        },
        policy,
        installLatestAwsSdk: false,
      }).getResponseField('endpointAddress');
    this.regions = props.regions.map(({ region, roleAlias }) => ({
      region,
      dataEndpoint: endpointOf(region, ENDPOINT_TYPES.dataEndpoint),
      credentialEndpoint: endpointOf(region, ENDPOINT_TYPES.credentialEndpoint),
      roleAlias,
    }));
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'iot:DescribeEndpoint (the only action granted) takes no resource ARN: IAM accepts only `*` for it.',
    );
    acknowledgeAwsCustomResourceFunction(this);
  }
}
