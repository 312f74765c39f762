import { type SiteJob, siteJobTopic } from '../../../core/routing/site-messages.js';
import { type IotDataSender, publishJson } from '../../shared/iot-data.js';
import type { SiteJobPublisher } from '../ports.js';

/** Site jobs to IoT Core at QoS 1 on `hcp/v1/sites/{siteId}/jobs`, which the site's GpuWorker subscribes to. */
export class IotSiteJobPublisher implements SiteJobPublisher {
  constructor(private readonly client: IotDataSender) {}

  async publish(siteId: string, job: SiteJob): Promise<void> {
    await publishJson(this.client, siteJobTopic(siteId), job, 1);
  }
}
