import {
  ALL_MARKETS_TOPIC_FILTER,
  allMarketsTopicResource,
  allSitesTopicFilter,
  allSitesTopicResource,
  GATEWAY_PUBLISHED_KINDS,
  GATEWAY_RECEIVED_KINDS,
  marketTopic,
  parseMarketTopic,
  parseSiteTopic,
  SITE_ID_MATCHES_TOPIC,
  SITE_TOPIC_KINDS,
  siteTopic,
  siteTopicPattern,
  siteTopicSql,
} from '../../../core/messages/topics.js';

describe('the topic catalogue', () => {
  it('parses back every site topic it builds', () => {
    for (const kind of SITE_TOPIC_KINDS) {
      // Act
      const parsed = parseSiteTopic(siteTopic('site-west-1', kind));

      // Assess
      expect(parsed).toEqual({ siteId: 'site-west-1', kind });
    }
  });

  it('parses back a market topic, and nothing else', () => {
    // Assess
    expect(parseMarketTopic(marketTopic('HB_WEST'))).toEqual({ node: 'HB_WEST' });
    expect(parseMarketTopic('hcp/v1/market/hb_west/signals')).toBeUndefined();
    expect(parseMarketTopic('hcp/v1/sites/site-1/acks')).toBeUndefined();
  });

  it('refuses a site id that is not one topic segment', () => {
    // Assess
    expect(() => siteTopic('site/+', 'acks')).toThrow('siteId "site/+" is not a valid topic segment');
    expect(parseSiteTopic('hcp/v1/sites/site-1/unknown')).toBeUndefined();
  });

  it('gives the IoT SQL form an IoT rule selects from, with the topic(4) site check', () => {
    // Assess
    expect(siteTopicSql('telemetry')).toBe("SELECT * FROM 'hcp/v1/sites/+/telemetry'");
    expect(siteTopicSql('acks', { where: SITE_ID_MATCHES_TOPIC })).toBe(
      "SELECT * FROM 'hcp/v1/sites/+/acks' WHERE siteId = topic(4)",
    );
    expect(siteTopicSql('heartbeat', { select: 'gatewayId' })).toBe("SELECT gatewayId FROM 'hcp/v1/sites/+/heartbeat'");
    // topic(4) is the site id: hcp / v1 / sites / <siteId>
    expect(siteTopic('site-a', 'acks').split('/')[3]).toBe('site-a');
  });

  it('gives the MQTT filter and the IAM / IoT-policy resource forms', () => {
    // Assess
    expect(allSitesTopicFilter('gpu-nodes')).toBe('hcp/v1/sites/+/gpu-nodes');
    expect(allSitesTopicResource('commands')).toBe('hcp/v1/sites/*/commands');
    const thingName = ['$', '{iot:Connection.Thing.ThingName}'].join(''); // an IoT policy variable, not a template
    expect(siteTopicPattern(thingName, 'jobs')).toBe(`hcp/v1/sites/${thingName}/jobs`);
    expect(siteTopicPattern('{}', 'commands')).toBe('hcp/v1/sites/{}/commands');
    expect(marketTopic('HB_WEST')).toBe('hcp/v1/market/HB_WEST/signals');
    expect(ALL_MARKETS_TOPIC_FILTER).toBe('hcp/v1/market/+/signals');
    expect(allMarketsTopicResource).toBe('hcp/v1/market/*/signals');
  });

  it('splits every site topic kind into what the gateway publishes and what it receives', () => {
    // Assess
    expect([...GATEWAY_PUBLISHED_KINDS, ...GATEWAY_RECEIVED_KINDS].sort()).toEqual([...SITE_TOPIC_KINDS].sort());
  });
});
