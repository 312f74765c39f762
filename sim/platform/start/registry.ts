import type { SiteConfig } from '../../../core/fleet/site-config.js';

/**
 * Step 7b: the sites into the registry through the operator API (POST /v1/fleet/sites with the demo operator's key),
 * as an operator would register them; dispatch plans them from the registry from its next run. A site the registry
 * already holds (a restart on a kept `--data` directory) is left as it is.
 */
export async function registerSitesThroughApi(
  apiUrl: string,
  operatorApiKey: string,
  configs: readonly SiteConfig[],
  progress: (line: string) => void,
): Promise<void> {
  for (const config of configs) {
    const response = await fetch(`${apiUrl}/v1/fleet/sites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': operatorApiKey },
      body: JSON.stringify(config),
    });
    if (response.status === 409) continue;
    if (response.status !== 201) {
      throw new Error(`registering ${config.id}: ${response.status} ${await response.text()}`);
    }
    progress(`registered ${config.id} (registry version ${response.headers.get('etag')})`);
  }
}
