import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * The V8 CPU profile of one stretch of a bench (what `node --cpu-prof` records for a whole process), and its top
 * functions by self time. The file opens in Chrome DevTools or speedscope.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileItem {
  /** `function (file:line)`, or V8's `(garbage collector)`, `(program)`, `(idle)`. */
  readonly name: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

/** Runs `work` under the profiler, sampling every `intervalUs`. */
export async function profiled(work: () => Promise<void>, intervalUs = 200): Promise<Profile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  let failure: unknown;
  await work().catch((error: unknown) => {
    failure = error;
  });
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  session.disconnect();
  if (failure !== undefined) throw failure;
  return profile;
}

export function writeProfile(file: string, profile: Profile): void {
  writeFileSync(file, JSON.stringify(profile));
}

/** The functions with the most self time over the profiles, summed over every node of the same function. */
export function topSelfTime(profiles: readonly Profile[], count: number): ProfileItem[] {
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (const profile of profiles) {
    totalUs += addSelfTimes(profile, selfUs);
  }
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: (100 * us) / totalUs }));
}

function addSelfTimes(profile: Profile, selfUs: Map<string, number>): number {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    // A sample's time is the gap to the next one.
    const us = deltas[i + 1] ?? 0;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` (${url.replace(/^.*\/(node_modules\/|hcp[^/]*\/)/, '')}:${lineNumber + 1})` : '';
    const name = `${functionName || '(anonymous)'}${where}`;
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    totalUs += us;
  }
  return totalUs;
}
