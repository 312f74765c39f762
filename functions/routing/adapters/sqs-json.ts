import { SendMessageCommand, type SendMessageCommandOutput } from '@aws-sdk/client-sqs';

/** What the SQS adapters need of a client: `SQSClient` satisfies it, and a test passes a `{ send }` stub. */
export interface SqsSender {
  send(command: SendMessageCommand): Promise<SendMessageCommandOutput>;
}

/**
 * Sends one JSON message to a standard queue, with string attributes beside the body so a consumer (or an operator
 * looking at a dead letter) can tell what it carries without parsing it. Throws when SQS did not take the message.
 */
export async function sendJson(
  client: SqsSender,
  queueUrl: string,
  body: unknown,
  attributes: Readonly<Record<string, string | number>>,
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(body),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [
          name,
          typeof value === 'number'
            ? { DataType: 'Number', StringValue: String(value) }
            : { DataType: 'String', StringValue: value },
        ]),
      ),
    }),
  );
}
