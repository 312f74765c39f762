import fc from 'fast-check';
import {
  CONTROL_PLANE_ACCESS,
  gatewayTopicAccess,
  mayConnectAs,
  mayPublish,
  maySubscribe,
  OBSERVER_ACCESS,
  OPERATOR_ACCESS,
  policyResourceName,
} from '../../../core/iot/topic-access.js';
import {
  GATEWAY_PUBLISHED_KINDS as GATEWAY_PUBLISHES,
  GATEWAY_RECEIVED_KINDS as GATEWAY_RECEIVES,
  marketTopic,
  siteTopic,
} from '../../../core/messages/topics.js';
import { gatewayPolicyDocument } from '../../../stacks/constructs/gateway-policy.js';
import { type IotPolicyStatement, iotPolicyAllows } from '../../support/iot-policy.js';

const SITES = ['site-west-1', 'site-south-1', 'site-west-10'];
const site = (siteId: string, kind: string) => `hcp/v1/sites/${siteId}/${kind}`;

describe('the gateway’s topic rules', () => {
  it('let the control plane send a gateway its telemetry high-water mark, which only that gateway hears', () => {
    // Prepare
    const acks = siteTopic('site-west-1', 'telemetry-acks');

    // Assess
    expect(mayPublish(CONTROL_PLANE_ACCESS, acks)).toBe(true);
    expect(maySubscribe(gatewayTopicAccess('site-west-1'), acks)).toBe(true);
    expect(mayPublish(gatewayTopicAccess('site-west-1'), acks)).toBe(false);
    expect(maySubscribe(gatewayTopicAccess('site-south-1'), acks)).toBe(false);
  });

  it('publish only its own reports and subscribe only to its own inbound topics and the market', () => {
    for (const own of SITES) {
      const access = gatewayTopicAccess(own);
      for (const other of SITES.filter((s) => s !== own)) {
        for (const kind of GATEWAY_PUBLISHES) {
          expect(mayPublish(access, site(own, kind))).toBe(true);
          expect(mayPublish(access, site(other, kind))).toBe(false);
        }
        for (const kind of GATEWAY_RECEIVES) {
          expect(maySubscribe(access, site(own, kind))).toBe(true);
          expect(mayPublish(access, site(own, kind))).toBe(false);
          expect(maySubscribe(access, site(other, kind))).toBe(false);
        }
      }
      expect(maySubscribe(access, marketTopic('HB_WEST'))).toBe(true);
      expect(maySubscribe(access, 'hcp/v1/sites/+/commands')).toBe(false);
      expect(maySubscribe(access, 'hcp/v1/sites/#')).toBe(false);
      expect(maySubscribe(access, '#')).toBe(false);
      expect(mayPublish(access, marketTopic('HB_WEST'))).toBe(false);
    }
  });

  it('connect only as the thing or `<thing>#<suffix>`, never as a site whose id extends its own', () => {
    const access = gatewayTopicAccess('site-west-1');
    expect(mayConnectAs(access, 'site-west-1')).toBe(true);
    expect(mayConnectAs(access, 'site-west-1#gateway-42')).toBe(true);
    expect(mayConnectAs(access, 'site-west-10')).toBe(false);
    expect(mayConnectAs(access, 'site-south-1#1')).toBe(false);
  });

  it('agree with the IoT policy the stack renders from them, for any topic under a site', () => {
    // The broker's matcher and IoT's policy evaluation of the rendered document give the same answer.
    const statements = gatewayPolicyDocument('aws', 'us-east-2', '123456789012', 'alias')
      .Statement as IotPolicyStatement[];
    const prefix = 'arn:aws:iot:us-east-2:123456789012';
    const kinds = [...GATEWAY_PUBLISHES, ...GATEWAY_RECEIVES, 'plan', 'anything'];
    fc.assert(
      fc.property(
        fc.constantFrom(...SITES),
        fc.constantFrom(...SITES),
        fc.constantFrom(...kinds),
        (own, target, kind) => {
          const access = gatewayTopicAccess(own);
          const topic = site(target, kind);
          expect(mayPublish(access, topic)).toBe(
            iotPolicyAllows(statements, own, 'iot:Publish', `${prefix}:topic/${topic}`),
          );
          expect(maySubscribe(access, topic)).toBe(
            iotPolicyAllows(statements, own, 'iot:Subscribe', `${prefix}:topicfilter/${topic}`),
          );
        },
      ),
    );
  });
});

describe('the platform’s own identities', () => {
  it('let the control plane command every site and hear its reports, but not impersonate a gateway', () => {
    expect(mayPublish(CONTROL_PLANE_ACCESS, siteTopic('site-west-1', 'commands'))).toBe(true);
    expect(mayPublish(CONTROL_PLANE_ACCESS, marketTopic('HB_WEST'))).toBe(true);
    expect(maySubscribe(CONTROL_PLANE_ACCESS, 'hcp/v1/sites/+/acks')).toBe(true);
    expect(mayPublish(CONTROL_PLANE_ACCESS, siteTopic('site-west-1', 'acks'))).toBe(false);
    expect(mayConnectAs(CONTROL_PLANE_ACCESS, 'site-west-1')).toBe(false);
  });

  it('let the observer and the operator read and never publish', () => {
    for (const access of [OBSERVER_ACCESS, OPERATOR_ACCESS]) {
      expect(maySubscribe(access, 'hcp/v1/sites/+/telemetry')).toBe(true);
      expect(mayPublish(access, siteTopic('site-west-1', 'commands'))).toBe(false);
    }
    expect(maySubscribe(OBSERVER_ACCESS, '#')).toBe(false);
  });

  it('spell MQTT wildcards as IoT policy wildcards', () => {
    expect(policyResourceName('hcp/v1/market/+/signals')).toBe('hcp/v1/market/*/signals');
    expect(policyResourceName('$aws/things/x/jobs/#')).toBe('$aws/things/x/jobs/*');
  });
});
