import { type JobCancel, siteJobCancelTopic } from '../../../core/routing/site-messages.js';
import { type SiteTopicPublisher, siteTopicPublisher } from '../../shared/site-topic-publisher.js';

/** Where a customer's cancellation of a job already at a site goes: the site's `job-cancels` topic. */
export type JobCancelPublisher = SiteTopicPublisher<JobCancel>;

const cancels = siteTopicPublisher<JobCancel>((cancel) => siteJobCancelTopic(cancel.siteId));
export const useLocalJobCancels = cancels.useLocal;
export const jobCancelPublisher = cancels.publisher;
