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
