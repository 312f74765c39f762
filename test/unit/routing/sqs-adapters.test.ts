import { PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SiteJob } from '../../../core/routing/site-messages.js';
import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import { IotSiteJobPublisher } from '../../../functions/routing/adapters/iot-site-jobs.js';
import type { SqsSender } from '../../../functions/routing/adapters/sqs-json.js';
import { readSiteJobsQueueUrl, SqsSiteQueue } from '../../../functions/routing/adapters/sqs-site-queue.js';
import {
  readWorkloadEventsQueueUrl,
  SqsWorkloadEvents,
} from '../../../functions/routing/adapters/sqs-workload-events.js';

const JOBS_URL = 'https://sqs.us-east-2.amazonaws.com/123456789012/site-jobs';
const EVENTS_URL = 'https://sqs.us-east-2.amazonaws.com/123456789012/workload-events';

const siteJob: SiteJob = {
  jobId: 'j1',
  attempt: 2,
  tenantId: 'tenant-a',
  tier: 'flex',
  modelId: 'meta-llama/Llama-3.1-8B-Instruct',
  poolId: 'west-h100-a',
  inputTokens: 1000,
  outputTokens: 200,
  deadline: '2026-03-02T13:00:00.000Z',
};

/** A client stub that records each command and answers like SQS does. */
function recordingClient(fail?: Error) {
  const commands: SendMessageCommand[] = [];
  const client: SqsSender = {
    send: async (command) => {
      commands.push(command);
      if (fail) throw fail;
      return { MessageId: 'm-1', $metadata: {} };
    },
  };
  return { client, commands };
}

/** What one SendMessage carried: queue, parsed body, and attributes as name → value. */
function sent(command: SendMessageCommand) {
  const { QueueUrl, MessageBody, MessageAttributes = {} } = command.input;
  const attributes = Object.fromEntries(
    Object.entries(MessageAttributes).map(([name, a]) => [name, `${a.DataType}:${a.StringValue}`]),
  );
  return { queueUrl: QueueUrl, body: JSON.parse(MessageBody!) as unknown, attributes };
}

describe('SQS site queue adapter', () => {
  it('sends the job as JSON to the site job queue with siteId, jobId and attempt as message attributes', async () => {
    // Prepare
    const { client, commands } = recordingClient();
    const queue = new SqsSiteQueue(client, JOBS_URL);

    // Act
    await queue.send('site-west-1', siteJob);

    // Assess
    expect(commands).toHaveLength(1);
    expect(commands[0]).toBeInstanceOf(SendMessageCommand);
    expect(sent(commands[0]!)).toEqual({
      queueUrl: JOBS_URL,
      body: siteJob,
      attributes: { siteId: 'String:site-west-1', jobId: 'String:j1', attempt: 'Number:2' },
    });
    // Standard queue: no FIFO group, so one site's jobs are not serialised behind each other.
    expect(commands[0]!.input.MessageGroupId).toBeUndefined();
  });

  it('sends a site no deployment knew to the same queue, named by its attribute', async () => {
    // Prepare
    const { client, commands } = recordingClient();

    // Act
    await new SqsSiteQueue(client, JOBS_URL).send('site-east-1', siteJob);

    // Assess
    expect(sent(commands[0]!)).toMatchObject({ queueUrl: JOBS_URL, attributes: { siteId: 'String:site-east-1' } });
  });

  it('refuses a site id that is not one, and sends nothing', async () => {
    // Prepare
    const { client, commands } = recordingClient();

    // Act
    const sending = new SqsSiteQueue(client, JOBS_URL).send('Site East/1', siteJob);

    // Assess
    await expect(sending).rejects.toThrow(/lower-case letters, digits and dashes/);
    expect(commands).toHaveLength(0);
  });

  it('propagates an SQS failure so the router keeps the job pending', async () => {
    // Prepare
    const { client } = recordingClient(new Error('ThrottlingException'));

    // Act
    const sending = new SqsSiteQueue(client, JOBS_URL).send('site-west-1', siteJob);

    // Assess
    await expect(sending).rejects.toThrow('ThrottlingException');
  });

  it('reads SITE_JOBS_QUEUE_URL', () => {
    // Act + Assess
    expect(readSiteJobsQueueUrl({ SITE_JOBS_QUEUE_URL: JOBS_URL })).toBe(JOBS_URL);
  });

  it.each([
    [{}, /SITE_JOBS_QUEUE_URL/],
    [{ SITE_JOBS_QUEUE_URL: 'site-jobs' }, /SITE_JOBS_QUEUE_URL/],
  ])('fails fast on a bad SITE_JOBS_QUEUE_URL (%j)', (env, message) => {
    // Act + Assess
    expect(() => readSiteJobsQueueUrl(env)).toThrow(message);
  });

  it('takes the SDK client itself', () => {
    // Prepare + Act: a compile-time check that SQSClient satisfies the adapter's narrow client type.
    const queue = new SqsSiteQueue(new SQSClient({ region: 'us-east-2' }), JOBS_URL);

    // Assess
    expect(queue).toBeInstanceOf(SqsSiteQueue);
  });
});

describe('SQS workload events adapter', () => {
  const event: WorkloadEvent = {
    id: 'j1:2:workload.queued',
    type: 'workload.queued',
    tenantId: 'tenant-a',
    workloadId: 'j1',
    attempt: 2,
    occurredAt: '2026-03-02T12:00:00.000Z',
    siteId: 'site-west-1',
  };

  it('sends the event as JSON to the events queue, with its id, type and tenant as attributes', async () => {
    // Prepare
    const { client, commands } = recordingClient();

    // Act
    await new SqsWorkloadEvents(client, EVENTS_URL).notify(event);

    // Assess
    expect(sent(commands[0]!)).toEqual({
      queueUrl: EVENTS_URL,
      body: event,
      attributes: {
        eventId: 'String:j1:2:workload.queued',
        type: 'String:workload.queued',
        tenantId: 'String:tenant-a',
      },
    });
  });

  it('reads WORKLOAD_EVENTS_QUEUE_URL and fails fast naming it when absent', () => {
    // Act + Assess
    expect(readWorkloadEventsQueueUrl({ WORKLOAD_EVENTS_QUEUE_URL: EVENTS_URL })).toBe(EVENTS_URL);
    expect(() => readWorkloadEventsQueueUrl({})).toThrow(/WORKLOAD_EVENTS_QUEUE_URL/);
  });
});

describe('IoT site job publisher', () => {
  it("publishes the job at QoS 1 as JSON on the site's jobs topic", async () => {
    // Prepare
    const commands: PublishCommand[] = [];
    const publisher = new IotSiteJobPublisher({ send: async (command) => commands.push(command) });

    // Act
    await publisher.publish('site-west-1', siteJob);

    // Assess
    expect(commands[0]).toBeInstanceOf(PublishCommand);
    const input = commands[0]!.input;
    expect(input).toMatchObject({ topic: 'hcp/v1/sites/site-west-1/jobs', qos: 1, contentType: 'application/json' });
    expect(JSON.parse(new TextDecoder().decode(input.payload as Uint8Array))).toEqual(siteJob);
  });
});
