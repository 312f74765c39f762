import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import type { Construct } from 'constructs';
import { GatewayPolicy } from './constructs/gateway-policy.js';
import { TelemetrySink } from './constructs/telemetry-sink.js';

export interface IotStackProps extends StackProps {
  /** One IoT thing (the site gateway's Greengrass core) per site; the thing name is the site id. */
  readonly siteIds: readonly string[];
  readonly telemetrySink: 'timestream';
}

/** Site gateways: their things, the thing group deployments target, the gateway policy and the telemetry rule. */
export class IotStack extends Stack {
  readonly thingGroup: iot.CfnThingGroup;
  readonly telemetry: TelemetrySink;

  constructor(scope: Construct, id: string, props: IotStackProps) {
    super(scope, id, props);
    this.thingGroup = new iot.CfnThingGroup(this, 'Gateways', {
      thingGroupProperties: { thingGroupDescription: 'HCP site gateways (Greengrass v2 cores)' },
    });
    for (const siteId of props.siteIds) {
      new iot.CfnThing(this, `Thing-${siteId}`, { thingName: siteId });
    }
    new GatewayPolicy(this, 'GatewayPolicy');
    this.telemetry = new TelemetrySink(this, 'Telemetry');
  }
}
