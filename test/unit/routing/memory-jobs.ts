import type { JobState } from '../../../core/routing/job-state.js';
import type { CommitExtras, StoredJob } from '../../../functions/shared/data/job-store.js';

/** The job store's contract in memory: versioned conditional commits, usage records kept per commit. */
export class MemoryJobs {
  readonly stored = new Map<string, StoredJob>();
  readonly usage: NonNullable<CommitExtras['usage']>[] = [];
  add(state: JobState) {
    this.stored.set(state.job.id, { state, version: 1 });
  }
  async get(_tenantId: string, id: string) {
    return this.stored.get(id);
  }
  async pending() {
    return [...this.stored.values()].filter((s) => s.state.status === 'pending');
  }
  async queuedAt(siteId: string) {
    return [...this.stored.values()].filter((s) => s.state.status === 'queued' && s.state.siteId === siteId);
  }
  async commit(previous: StoredJob, next: JobState, extras: CommitExtras = {}) {
    const now = this.stored.get(next.job.id);
    if (now?.version !== previous.version) return 'job-changed' as const;
    this.stored.set(next.job.id, { state: next, version: previous.version + 1 });
    if (extras.usage) this.usage.push(extras.usage);
    return 'committed' as const;
  }
}
