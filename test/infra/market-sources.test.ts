import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/app.js';
import { parseAppContext } from '../../bin/config.js';
import { TEST_CONTEXT } from './app-fixture.js';

const synth = (market: unknown) => {
  const flags = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
  const app = new App({ context: { ...flags, hcp: { ...TEST_CONTEXT, market }, 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildApp(app);
  return { control: Template.fromStack(stacks.control), monitoring: Template.fromStack(stacks.monitoring) };
};

describe('market sources in the stack', () => {
  const { control, monitoring } = synth({ kind: 'ercot', nodes: ['HB_WEST', 'HB_SOUTH'] });

  it('creates the ERCOT credentials secret and hands its ARN to the ingestion function', () => {
    // Assess
    control.resourceCountIs('AWS::SecretsManager::Secret', 1);
    control.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MARKET_SOURCE: 'ercot',
          MARKET_NODES: 'HB_WEST,HB_SOUTH',
          ERCOT_SECRET_ARN: { Ref: Match.stringLikeRegexp('ErcotApiCredentials') },
        }),
      },
    });
  });

  it('lets the ingestion function, and only it, read the secret', () => {
    // Prepare
    const readers = Object.values(control.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes('secretsmanager:GetSecretValue'),
    );

    // Assess
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0])).toMatch(/MarketIngestionIngestFn/);
  });

  it('alarms when market data goes stale, or no ingestion reports at all', () => {
    // Assess
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MarketDataAgeSeconds',
      Namespace: 'HCP',
      Dimensions: [{ Name: 'service', Value: 'hcp-market' }],
      Statistic: 'Maximum',
      Threshold: 2700,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('reads the csv source’s objects from the named bucket', () => {
    // Act
    const csv = synth({
      kind: 'csv',
      bucketName: 'hcp-market-files',
      priceKeys: { HB_WEST: 'west.csv' },
      hashpriceKey: 'hashprice.csv',
    }).control;

    // Assess
    csv.resourceCountIs('AWS::SecretsManager::Secret', 0);
    csv.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MARKET_SOURCE: 'csv',
          MARKET_CSV_BUCKET: 'hcp-market-files',
          MARKET_CSV_PRICE_KEYS: '{"HB_WEST":"west.csv"}',
        }),
      },
    });
  });

  it('hands the csv source its system-load and capacity-price objects, and lets it read exactly those', () => {
    // Act
    const csv = synth({
      kind: 'csv',
      bucketName: 'hcp-market-files',
      priceKeys: { HB_WEST: 'west.csv' },
      hashpriceKey: 'hashprice.csv',
      systemLoadKey: 'load.csv',
      ancillaryPricesKey: 'as.csv',
    }).control;

    // Assess
    csv.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ MARKET_CSV_SYSTEM_LOAD_KEY: 'load.csv', MARKET_CSV_AS_KEY: 'as.csv' }),
      },
    });
    const readers = Object.values(csv.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes('s3:GetObject'),
    );
    const text = JSON.stringify(readers);
    for (const key of ['west.csv', 'hashprice.csv', 'load.csv', 'as.csv']) expect(text).toContain(`/${key}`);
    expect(text).not.toMatch(/hcp-market-files\/\*/);
  });

  it('gives the ERCOT ingestion a minute: a cold start reads a dozen reports 2 s apart', () => {
    // Assess
    control.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ MARKET_SOURCE: 'ercot' }) },
    });
  });

  it('refuses a csv source without its objects, naming the field', () => {
    // Act / Assess
    expect(() => parseAppContext({ ...TEST_CONTEXT, market: { kind: 'csv', bucketName: 'b-1' } })).toThrow(
      /hcp\.market\.priceKeys/,
    );
  });
});
