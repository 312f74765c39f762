import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AckRule } from './constructs/ack-rule.js';
import { AncillaryAwards } from './constructs/ancillary-awards.js';
import { AuditChainer } from './constructs/audit-chainer.js';
import { ForecastRefit } from './constructs/forecast-refit.js';
import { LocalSwitchRule } from './constructs/local-switch-rule.js';
import { MarketIngestion, type MarketSourceConfig } from './constructs/market-ingestion.js';
import { OptimizeFlow } from './constructs/optimize-flow.js';
import { PartnerOverflow } from './constructs/partner-overflow.js';
import { SiteLeaseKeeper } from './constructs/site-lease-keeper.js';
import { SwitchFlow } from './constructs/switch-flow.js';
import { WorkloadRouting } from './constructs/workload-routing.js';

export interface ControlStackProps extends StackProps {
  /** The platform table, with its NEW_IMAGE stream (the workload router reads it). */
  readonly table: ITable;
  /** A multi-region deployment's site leases (stacks/constructs/site-lease-table.ts). @default single region */
  readonly leaseTable?: ITable;
  /** The region whose keeper may create a lease that does not exist yet (the primary). @default this stack's */
  readonly leasePrimaryRegion?: string;
  /**
   * Whether the table's stream drives the audit chainer and the workload router here: false in a standby region, whose
   * replica stream repeats the primary's writes. @default true
   */
  readonly streamConsumersEnabled?: boolean;
  /** The key the SwitchFlow signs commands with (the data stack's CommandSigningKey). */
  readonly commandSigningKey: IKey;
  /** @default the SDK's regional IoT data endpoint */
  readonly iotDataEndpoint?: string;
  /** @default synthetic */
  readonly marketSource?: MarketSourceConfig;
  /** The QSE's principal, allowed to send awards to the awards queue. @default none */
  readonly qseAwardsSender?: iam.IPrincipal;
  /** Partner clouds HCP holds API keys for (#28): a secret each, and the partner runner. @default none */
  readonly partnerIds?: readonly string[];
}

/**
 * Dispatch and switching: market ingestion and price relay every minute, OptimizeFlow every 5 minutes (its price
 * forecaster refitted every 6 hours), SwitchFlow per site, and the ack path back into it; workload routing to the
 * sites' GPU workers and its webhook events; the gateways' own switches into the sites' switch history; ancillary awards from the QSE's queue to
 * the SwitchFlow. State machines use JSONPath (not JSONata) so aws-local-stepfunctions runs
 * the same ASL locally.
 */
export class ControlStack extends Stack {
  readonly functions: IFunction[] = [];
  readonly stateMachines: sfn.IStateMachine[] = [];
  readonly deadLetterQueues: sqs.IQueue[] = [];
  readonly switchFlow: sfn.StateMachine;
  readonly optimizeFlow: sfn.StateMachine;
  /** Where the QSE puts the site's ancillary awards (constructs/ancillary-awards.ts). */
  readonly awardsQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: ControlStackProps) {
    super(scope, id, props);
    const endpoint = props.iotDataEndpoint ? { iotDataEndpoint: props.iotDataEndpoint } : {};
    const market = new MarketIngestion(this, 'MarketIngestion', {
      table: props.table,
      ...endpoint,
      ...(props.marketSource ? { source: props.marketSource } : {}),
    });
    const switchFlow = new SwitchFlow(this, 'SwitchFlow', {
      table: props.table,
      signingKey: props.commandSigningKey,
      ...endpoint,
      ...(props.leaseTable ? { leaseTable: props.leaseTable } : {}),
    });
    const keeper = props.leaseTable
      ? new SiteLeaseKeeper(this, 'SiteLeaseKeeper', {
          table: props.table,
          leaseTable: props.leaseTable,
          primaryRegion: props.leasePrimaryRegion ?? this.region,
        })
      : undefined;
    if (keeper) {
      this.functions.push(keeper.function.fn);
      this.deadLetterQueues.push(keeper.deadLetterQueue);
    }
    const optimizeFlow = new OptimizeFlow(this, 'OptimizeFlow', {
      table: props.table,
      switchFlow: switchFlow.stateMachine,
      ...(props.leaseTable ? { leaseTable: props.leaseTable } : {}),
    });
    const refit = new ForecastRefit(this, 'ForecastRefit', { table: props.table });
    const awards = new AncillaryAwards(this, 'AncillaryAwards', {
      table: props.table,
      switchFlow: switchFlow.stateMachine,
      ...(props.qseAwardsSender ? { qseSender: props.qseAwardsSender } : {}),
    });
    const acks = new AckRule(this, 'AckRule', { switchFlow: switchFlow.stateMachine });
    const localSwitches = new LocalSwitchRule(this, 'LocalSwitchRule', { table: props.table });
    const streams = props.streamConsumersEnabled === false ? { streamEnabled: false } : {};
    const routing = new WorkloadRouting(this, 'WorkloadRouting', {
      table: props.table,
      ...endpoint,
      ...streams,
    });

    const partners = new PartnerOverflow(this, 'PartnerOverflow', {
      table: props.table,
      router: routing.router,
      eventsQueue: routing.eventsQueue,
      partnerIds: props.partnerIds ?? [],
      bidClearing: optimizeFlow.persistFn,
    });

    const auditChainer = new AuditChainer(this, 'AuditChainer', { table: props.table, ...streams });
    // The region holding the sites' leases chains the audit log and wakes the router; a standby's start disabled.
    keeper?.switchStreamConsumers([auditChainer.streamSource, routing.streamSource]);

    this.switchFlow = switchFlow.stateMachine;
    this.optimizeFlow = optimizeFlow.stateMachine;
    this.awardsQueue = awards.queue;
    this.stateMachines.push(this.optimizeFlow, this.switchFlow);
    this.functions.push(
      ...[
        ...market.functions,
        ...optimizeFlow.functions,
        ...refit.functions,
        ...switchFlow.functions,
        acks.function,
        localSwitches.function,
        ...routing.functions,
        partners.runner,
        auditChainer.function,
        awards.function,
      ].map((f) => f.fn),
    );
    this.deadLetterQueues.push(
      market.deadLetterQueue,
      optimizeFlow.deadLetterQueue,
      refit.deadLetterQueue,
      ...acks.deadLetterQueues,
      ...localSwitches.deadLetterQueues,
      ...routing.deadLetterQueues,
      partners.deadLetterQueue,
      auditChainer.deadLetterQueue,
      awards.deadLetterQueue,
    );
  }
}
