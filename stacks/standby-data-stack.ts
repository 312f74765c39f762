import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { CommandSigningKey } from './constructs/command-signing-key.js';

export interface StandbyDataStackProps extends StackProps {
  /** The alias the primary's global table names for this region's replica key (`alias/...`). */
  readonly dataKeyAlias: string;
}

/**
 * A standby region's keys, deployed before the primary's data stack: the key its replica of the platform table is
 * encrypted with (found by the primary's global table through its alias), and the key this region's SwitchFlow signs
 * commands with; every gateway trusts both regions' keys (iot-stack.ts `otherCommandKeys`).
 */
export class StandbyDataStack extends Stack {
  readonly key: kms.Key;
  readonly commandSigning: CommandSigningKey;
  readonly dataKeyAliasArn: string;

  constructor(scope: Construct, id: string, props: StandbyDataStackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'DataKey', {
      enableKeyRotation: true,
      description: 'HCP data at rest (DynamoDB replica)',
      alias: props.dataKeyAlias,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.dataKeyAliasArn = `arn:${this.partition}:kms:${this.region}:${this.account}:${props.dataKeyAlias}`;
    this.commandSigning = new CommandSigningKey(this, 'CommandSigningKey');
  }
}
