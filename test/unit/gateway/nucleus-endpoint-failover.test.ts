import type { greengrasscoreipc } from 'aws-iot-device-sdk-v2';
import {
  type LocalDeploymentClient,
  NucleusEndpointFailover,
  nucleusMoveRequest,
} from '../../../iot-greengrass/adapters/messaging/nucleus-endpoint-failover.js';

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
