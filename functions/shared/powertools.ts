import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools singletons, created once per Lambda container. Service name and namespace come from the
 * POWERTOOLS_* variables the project's Lambda construct sets.
 */
export const logger = new Logger();

/**
 * Metrics' own diagnostics ("no application metrics to publish") go through the structured logger; where metrics are
 * disabled (the local platform and tests, sim/local-env.ts) there is nothing to publish by design, so they are dropped.
 */
const metricsDiagnostics = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => {
    if (process.env.POWERTOOLS_METRICS_DISABLED !== 'true') logger.warn(message);
  },
  error: (message: string) => logger.error(message),
};

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'HCP',
  logger: metricsDiagnostics,
});
export const tracer = new Tracer();

/**
 * Every AWS SDK v3 client of the functions is made through this, so each call is a subsegment in X-Ray; where tracing
 * is off (outside Lambda: the local platform, tests) the client comes back unchanged. The clients are built beside
 * their use (an SDK client imported here would be loaded by every Lambda, esbuild keeps external imports), and
 * test/unit/functions/traced-clients.test.ts checks that none is built without it.
 */
export function traced<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}
