import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../support/paths.js';

const FUNCTIONS_DIR = path.join(projectRoot, 'functions');

function sourceFiles(): string[] {
  return readdirSync(FUNCTIONS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(FUNCTIONS_DIR, file));
}

/** The AWS SDK v3 client classes a file imports (`import { SQSClient, … } from '@aws-sdk/client-sqs'`). */
function sdkClientNames(source: string): string[] {
  const imports = source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-[a-z0-9-]+'/g);
  return [...imports].flatMap(([, names]) =>
    (names ?? '')
      .split(',')
      .map((name) => name.replace(/^\s*type\s+/, '').trim())
      .filter((name) => /^[A-Z]\w*Client$/.test(name)),
  );
}

describe('AWS SDK clients in functions/', () => {
  it('finds the clients the functions build (the scan itself works)', () => {
    // Prepare
    const built = sourceFiles().flatMap((file) => sdkClientNames(readFileSync(file, 'utf8')));
    // Assess
    expect(new Set(built)).toEqual(
      new Set([
        'AthenaClient',
        'DynamoDBClient',
        'FirehoseClient',
        'IoTClient',
        'IoTDataPlaneClient',
        'KMSClient',
        'LambdaClient',
        'S3Client',
        'SecretsManagerClient',
        'SFNClient',
        'SQSClient',
        'STSClient',
        'TimestreamWriteClient',
      ]),
    );
  });

  it('builds every one through traced(), so Powertools captures its calls', () => {
    // Prepare
    const untraced: string[] = [];
    // Act
    for (const file of sourceFiles()) {
      const source = readFileSync(file, 'utf8');
      for (const name of sdkClientNames(source)) {
        const constructions = source.match(new RegExp(`new ${name}\\(`, 'g'))?.length ?? 0;
        const tracedConstructions = source.match(new RegExp(`traced\\(new ${name}\\(`, 'g'))?.length ?? 0;
        if (constructions !== tracedConstructions) untraced.push(`${path.relative(projectRoot, file)}: new ${name}(`);
      }
    }
    // Assess
    expect(untraced).toEqual([]);
  });
});
