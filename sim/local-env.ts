/**
 * Environment for running the cloud handlers on this machine. Imported first (side effect) by local entry points,
 * before any module creates an SDK client or a Powertools singleton.
 */
// Locally the handlers have no CloudWatch agent to read EMF; the metrics are not lost, just not emitted.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_REGION ??= 'us-east-2';
// Customers of the local platform point webhooks at receivers on this machine (refused in AWS).
process.env.WEBHOOK_ALLOW_LOCAL_URLS ??= 'true';
