import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthesizedApp, TEST_CONTEXT } from './app-fixture.js';

const { stacks } = synthesizedApp();
const monitoring = Template.fromStack(stacks.monitoring);

describe('operations alarms', () => {
  it('alarms on failed switches from the switching EMF metric', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'HCP',
      MetricName: 'SwitchFailed',
      Dimensions: [{ Name: 'service', Value: 'hcp-switching' }],
      AlarmActions: [Match.anyValue()],
    });
  });

  it('alarms on stuck switches and a stalled dispatch', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsTimedOut' });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsSucceeded',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on the depth of every dead-letter queue', () => {
    // Prepare
    const dlqAlarms = monitoring.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });

    // Assess
    const queueCount = stacks.control.deadLetterQueues.length + stacks.iot.deadLetterQueues.length;
    expect(Object.keys(dlqAlarms)).toHaveLength(queueCount);
  });

  it('watches every site, registered later included, with one Metrics Insights query over the siteId dimension', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: `SELECT MAX(FaultedDevices) FROM SCHEMA("HCP", service, siteId) WHERE service = 'hcp-telemetry'`,
          ReturnData: true,
        }),
      ],
      AlarmActions: [Match.anyValue()],
    });
  });

  it('alarms when a site stops sending telemetry, treating silence as breaching', () => {
    // Assess
    for (const siteId of TEST_CONTEXT.sites) {
      monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'SitePowerKw',
                Dimensions: Match.arrayWith([{ Name: 'siteId', Value: siteId }]),
              }),
              Stat: 'SampleCount',
            }),
          }),
        ],
        TreatMissingData: 'breaching',
      });
    }
  });

  it('alarms on API 5xx into the encrypted topic', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError' });
    monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('operations dashboard', () => {
  const body = JSON.stringify(
    Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
  );

  it.each([
    ['power split per site', 'AsicPowerKw'],
    ['curtailed devices', 'CurtailedDevices'],
    ['revenue by source', 'MiningRevenueUsdPerHour'],
    ['inference revenue', 'InferenceRevenueUsdPerHour'],
    ['prices', 'PriceUsdPerMwh'],
    ['hashprice', 'HashpriceUsdPerThDay'],
    ['plan versus actual', 'PlannedSitePowerKw'],
    ['switch success rate', '100 * ok / (ok + failed)'],
    ['switch latency', 'SwitchLatencyMs'],
    ['API latency', 'Latency'],
    ['API errors', '5XXError'],
    ['Lambda errors', 'Errors'],
    ['state-machine errors', 'ExecutionsFailed'],
    ['DLQ depth', 'ApproximateNumberOfMessagesVisible'],
  ])('charts %s', (_what, needle) => {
    // Assess
    expect(body).toContain(needle);
  });

  it('charts the power split of every configured site', () => {
    // Assess
    for (const siteId of TEST_CONTEXT.sites) expect(body).toContain(`${siteId}: power split`);
  });
});

describe('API canary (#27: the API uptime KPI in AWS)', () => {
  it('calls GET /v1/health on a schedule and alarms on any failed call', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::Synthetics::Canary', {
      Schedule: { Expression: 'rate(5 minutes)' },
      RunConfig: { EnvironmentVariables: { HEALTH_URL: Match.anyValue() } },
    });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SuccessPercent',
      Namespace: 'CloudWatchSynthetics',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 100,
    });
  });
});
