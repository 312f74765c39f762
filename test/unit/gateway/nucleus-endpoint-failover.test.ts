import type { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import { parse } from 'yaml';
import { ManualClock } from '../../../core/support/clock.js';
import {
  cloudContact,
  type LocalDeploymentClient,
  NucleusEndpointFailover,
  nucleusFailoverConfigSchema,
  nucleusMoveRequest,
  startNucleusFailover,
} from '../../../iot-greengrass/adapters/messaging/nucleus-endpoint-failover.js';
import type { MessageHandler, MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { componentVersion, renderRecipe } from '../../../iot-greengrass/build/components.js';

const regions = [
  {
    region: 'us-east-2',
    dataEndpoint: 'abc-ats.iot.us-east-2.amazonaws.com',
    credentialEndpoint: 'xyz.credentials.iot.us-east-2.amazonaws.com',
    roleAlias: 'Hcp-dev-Iot-token-exchange',
  },
  {
    region: 'us-west-2',
    dataEndpoint: 'abc-ats.iot.us-west-2.amazonaws.com',
    credentialEndpoint: 'xyz.credentials.iot.us-west-2.amazonaws.com',
    roleAlias: 'Hcp-dev-us-west-2-Iot-token-exchange',
  },
];

function setUp(current = 'us-east-2') {
  let nowMs = 1_000_000;
  let lastContactMs = nowMs;
  const requests: unknown[] = [];
  const ipc: LocalDeploymentClient = {
    createLocalDeployment: async (request) => {
      requests.push(request);
      return { deploymentId: `d${requests.length}` };
    },
  };
  const failover = new NucleusEndpointFailover({
    regions,
    current,
    ipc,
    lastContactMs: () => lastContactMs,
    clock: { nowMs: () => nowMs },
  });
  return {
    failover,
    requests,
    advance: (ms: number) => {
      nowMs += ms;
    },
    heard: () => {
      lastContactMs = nowMs;
    },
  };
}

describe('the Greengrass core’s endpoint failover', () => {
  it('builds the local deployment the IPC client takes: a MERGE of the nucleus’s four connection keys', () => {
    // Act
    const request = nucleusMoveRequest(regions[1]!);
    // Assess: typed by aws-iot-device-sdk-v2's own model; the policy is the SDK's enum value.
    expect(request.failureHandlingPolicy).toBe('ROLLBACK' satisfies `${greengrasscoreipc.model.FailureHandlingPolicy}`);
    expect(Object.fromEntries(request.componentToConfiguration!)).toEqual({
      'aws.greengrass.Nucleus': {
        MERGE: {
          awsRegion: 'us-west-2',
          iotDataEndpoint: 'abc-ats.iot.us-west-2.amazonaws.com',
          iotCredEndpoint: 'xyz.credentials.iot.us-west-2.amazonaws.com',
          iotRoleAlias: 'Hcp-dev-us-west-2-Iot-token-exchange',
        },
      },
    });
  });

  it('stays while IoT Core answers, moves after 60 s of silence, and gives the new region the same grace', async () => {
    // Prepare
    const { failover, requests, advance, heard } = setUp();

    // Act & Assess: silence shorter than the rule's minute, broken by an answer: it stays.
    advance(59_000);
    expect(await failover.check()).toBeUndefined();
    heard();
    advance(59_999);
    expect(await failover.check()).toBeUndefined();
    // A full minute without an answer: one deployment to the standby.
    advance(1);
    expect(await failover.check()).toBe('d1');
    expect(failover.region()).toBe('us-west-2');
    // Right after the move the old silence does not count against the new region.
    advance(30_000);
    expect(await failover.check()).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  it('never moves back on its own while the standby answers, and wraps round if the standby goes silent too', async () => {
    // Prepare
    const { failover, requests, advance, heard } = setUp('us-west-2');

    // Act
    for (let i = 0; i < 10; i++) {
      advance(30_000);
      heard();
      await failover.check();
    }
    advance(60_000);
    await failover.check();

    // Assess
    expect(requests).toHaveLength(1);
    expect(failover.region()).toBe('us-east-2');
  });

  it('refuses a current region it does not know', () => {
    expect(() => setUp('eu-west-1')).toThrow(/eu-west-1/);
  });
});

/** A messaging port whose cloud and local messages the test delivers by hand. */
function handPort() {
  const handlers: Array<{ channel: string; topic: string; handler: MessageHandler }> = [];
  const port: MessagingPort = {
    publish: async () => undefined,
    subscribe: async (channel, topic, handler) => {
      handlers.push({ channel, topic, handler });
    },
    isConnected: () => true,
    onConnectionChange: () => () => undefined,
    close: async () => undefined,
  };
  const deliver = (channel: string, topic: string) => {
    for (const h of handlers) if (h.channel === channel && h.topic === topic) h.handler(topic, Buffer.from('{}'));
  };
  return { port, deliver };
}

describe('the nucleus failover wired into com.hcp.Telemetry', () => {
  const ACKS = 'hcp/v1/sites/site-a/telemetry-acks';

  async function wired(current: string | undefined = 'us-east-2') {
    const clock = new ManualClock(5_000_000);
    const { port, deliver } = handPort();
    const contact = cloudContact(port, clock);
    const heard: string[] = [];
    await contact.messaging.subscribe('cloud', ACKS, (topic) => heard.push(topic));
    await contact.messaging.subscribe('local', 'hcp/v1/sites/site-a/grid', (topic) => heard.push(topic));
    const requests: unknown[] = [];
    let tick: (() => Promise<void>) | undefined;
    const logs: Array<{ event: string; detail: Record<string, unknown> }> = [];
    const run = await startNucleusFailover({
      config: nucleusFailoverConfigSchema.parse({ regions, failoverAfterMs: 60_000, checkPeriodMs: 10_000 }),
      current,
      connectIpc: async () => ({
        createLocalDeployment: async (request) => {
          requests.push(request);
          return { deploymentId: `local-${requests.length}` };
        },
      }),
      lastContactMs: contact.lastContactMs,
      clock,
      log: (event, detail) => logs.push({ event, detail }),
      every: (periodMs, fn) => {
        expect(periodMs).toBe(10_000);
        tick = fn;
        return () => {
          tick = undefined;
        };
      },
    });
    /** One check, waited for: the move (if any) has been requested and logged when it resolves. */
    const check = () => tick!();
    return { clock, deliver, heard, requests, logs, run, check, contact };
  }

  it('counts a telemetry ack from IoT Core as contact, and not a local message', async () => {
    const { clock, deliver, heard, contact } = await wired();
    clock.advanceMs(30_000);
    deliver('local', 'hcp/v1/sites/site-a/grid');
    expect(contact.lastContactMs()).toBe(5_000_000);
    deliver('cloud', ACKS);
    expect(contact.lastContactMs()).toBe(5_030_000);
    expect(heard).toEqual(['hcp/v1/sites/site-a/grid', ACKS]);
  });

  it('stays while the acks come, and moves the nucleus once they stop for the failover time', async () => {
    const { clock, deliver, requests, logs, check } = await wired();
    // Acks every 10 s for two minutes: no move
    for (let i = 0; i < 12; i++) {
      clock.advanceMs(10_000);
      deliver('cloud', ACKS);
      await check();
    }
    expect(requests).toEqual([]);
    // Then silence: still no move at 50 s, a move at 60 s
    clock.advanceMs(50_000);
    await check();
    expect(requests).toEqual([]);
    clock.advanceMs(10_000);
    await check();
    expect(requests).toEqual([nucleusMoveRequest(regions[1]!)]);
    expect(logs).toEqual([
      { event: 'nucleus-moved', detail: { from: 'us-east-2', to: 'us-west-2', deploymentId: 'local-1' } },
    ]);
  });

  it('does not run in one region, nor when the core’s region is not among the regions', async () => {
    const none = await startNucleusFailover({
      config: nucleusFailoverConfigSchema.parse(undefined),
      current: 'us-east-2',
      connectIpc: async () => {
        throw new Error('must not connect');
      },
      lastContactMs: () => 0,
      clock: new ManualClock(0),
      log: () => undefined,
    });
    expect(none).toBeUndefined();
    const { run, logs } = await wired('eu-west-1');
    expect(run).toBeUndefined();
    expect(logs[0]).toMatchObject({ event: 'nucleus-failover-off' });
  });

  it('is in com.hcp.Telemetry’s recipe: the Greengrass CLI dependency, CreateLocalDeployment granted, no regions by default', () => {
    const recipe = parse(renderRecipe('com.hcp.Telemetry', componentVersion('com.hcp.Telemetry'))) as {
      ComponentDependencies: Record<string, { VersionRequirement: string }>;
      ComponentConfiguration: {
        DefaultConfiguration: {
          telemetry: { nucleusFailover: unknown };
          accessControl: Record<string, Record<string, { operations: string[]; resources: string[] }>>;
        };
      };
    };
    expect(recipe.ComponentDependencies['aws.greengrass.Cli']).toMatchObject({ VersionRequirement: '>=2.6.0 <3.0.0' });
    const cli = Object.values(recipe.ComponentConfiguration.DefaultConfiguration.accessControl['aws.greengrass.Cli']!);
    expect(cli).toEqual([
      expect.objectContaining({ operations: ['aws.greengrass#CreateLocalDeployment'], resources: ['*'] }),
    ]);
    const config = nucleusFailoverConfigSchema.parse(
      recipe.ComponentConfiguration.DefaultConfiguration.telemetry.nucleusFailover,
    );
    expect(config).toEqual({ regions: [], failoverAfterMs: 60_000, checkPeriodMs: 10_000 });
  });
});
