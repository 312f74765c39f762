import type { Fleet } from '../../../core/model/site.js';
import type { FleetSource } from '../ports.js';

/**
 * The fleet from configuration (the reference fleet in this repository). Sites and device groups are not yet stored
 * in the table; when the resource manager stores them, a DynamoDB adapter replaces this one.
 */
export class StaticFleetSource implements FleetSource {
  constructor(private readonly fleet: Fleet) {}

  async load(): Promise<Fleet> {
    return this.fleet;
  }
}
