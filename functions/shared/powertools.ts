import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools singletons, created once per Lambda container. Service name and namespace come from the
 * POWERTOOLS_* variables the project's Lambda construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'HCP' });
export const tracer = new Tracer();
