import { z } from 'zod';
import { configGetter } from './config.js';
import { createIotDataClient, iotDataEndpointSchema, publishJson } from './iot-data.js';

/** Publishes one kind of cloud → site message on the site's topic. */
export interface SiteTopicPublisher<T> {
  publish(message: T): Promise<void>;
}

const config = configGetter(z.object({ IOT_DATA_ENDPOINT: iotDataEndpointSchema }));

/**
 * A handler's way to reach a site: IoT Core at QoS 1 in AWS (the site's worker subscribes to its own topic, the
 * gateway policy allows no other), or the local platform's broker, which hands its publisher to `useLocal` as it
 * hands its SwitchFlow runner to `useLocalSwitchFlows` (never called in AWS).
 */
export function siteTopicPublisher<T>(topicOf: (message: T) => string) {
  let local: SiteTopicPublisher<T> | undefined;
  let iot: SiteTopicPublisher<T> | undefined;
  return {
    useLocal(publisher: SiteTopicPublisher<T> | undefined): void {
      local = publisher;
    },
    publisher(): SiteTopicPublisher<T> {
      if (local) return local;
      if (!iot) {
        const client = createIotDataClient(config().IOT_DATA_ENDPOINT);
        iot = { publish: (message) => publishJson(client, topicOf(message), message, 1) };
      }
      return iot;
    },
  };
}
