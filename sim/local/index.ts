/**
 * The local AWS stand-ins: each starts on a free loopback port, hands back its endpoint as configuration, and stops.
 *
 *   const dynamo = await startDynamoDbLocal();            // AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint
 *   await ensureTable(localDynamoDbClient(dynamo.endpoint), 'hcp-local');
 *   const broker = await startMqttBroker();               // IoT endpoint = broker.url
 *   const api = await startApiAdapter({ routes: [{ method: 'GET', resource: '/v1/health', handler }] });
 *   const flow = createStateMachineRunner({ template, logicalIdPrefix: 'SwitchFlow', taskHandlers, tokenTasks });
 *   const { status, output } = await flow.start(input);
 *   await Promise.all([api.stop(), broker.stop(), dynamo.stop()]);
 */
export * from './api-gateway-adapter.js';
export * from './dynamodb-local.js';
export { createLambdaContext, type LambdaContextOptions } from './lambda-context.js';
export * from './mqtt-broker.js';
export * from './stepfunctions/index.js';
