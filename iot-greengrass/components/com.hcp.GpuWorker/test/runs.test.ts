import { jobReportSchema } from '../../../../core/routing/site-messages.js';
import type { InferenceOutcome, InferencePort, InferenceRequest } from '../../../adapters/inference/port.js';
import { jobReport, RunningJobs, runEnding, stopRuns, syntheticPrompt } from '../src/runs.js';
import { siteJob, T0, workerNode } from './fixtures.js';

const aborted = (kept: number): InferenceOutcome => ({
  ok: false,
  failure: { kind: 'aborted', checkpointOutputTokens: kept },
});

describe('GpuWorker runs', () => {
  it('reads a completion, a preemption with its checkpoint, a cancellation and a server failure', () => {
    // Act
    const endings = [
      runEnding({ ok: true, value: { inputTokens: 10, outputTokens: 5 } }, undefined),
      runEnding(aborted(20), 'grid-emergency'),
      runEnding(aborted(20), 'cancelled'),
      runEnding({ ok: false, failure: { kind: 'server-error', status: 503, detail: 'overloaded' } }, undefined),
      runEnding(aborted(0), undefined),
    ];

    // Assess
    expect(endings).toEqual([
      { outcome: 'completed', inputTokens: 10, outputTokens: 5 },
      { outcome: 'preempted', reason: 'grid-emergency', checkpointOutputTokens: 20 },
      { outcome: 'failed', reason: 'cancelled by the customer' },
      { outcome: 'failed', reason: 'inference server-error: HTTP 503: overloaded' },
      // An abort the worker did not ask for (the server dropped the request) is a failure, not a preemption.
      { outcome: 'failed', reason: 'inference aborted: aborted' },
    ]);
  });

  it('caps a failure reason at 500 characters', () => {
    // Act
    const ending = runEnding({ ok: false, failure: { kind: 'unreachable', detail: 'x'.repeat(900) } }, undefined);

    // Assess
    expect(ending.outcome === 'failed' && ending.reason.length).toBe(500);
  });

  it('builds a report the cloud accepts, with node none and no usage for an attempt that never ran', () => {
    // Act
    const report = jobReport({
      siteId: 'site-west-1',
      job: siteJob('j1', { attempt: 2 }),
      startMs: T0,
      endMs: T0,
      usage: { gpuSeconds: 0, energyKwh: 0 },
      ending: { outcome: 'preempted', reason: 'capacity', checkpointOutputTokens: 0 },
    });

    // Assess
    expect(jobReportSchema.parse(report)).toMatchObject({
      jobId: 'j1',
      attempt: 2,
      nodeId: 'none',
      startedAt: new Date(T0).toISOString(),
      outcome: 'preempted',
    });
  });

  it('sends a started job to its node with a stand-in prompt of its size, counts it per node and aborts it on stop', () => {
    // Prepare
    const requests: InferenceRequest[] = [];
    const inference: InferencePort = {
      checkpoints: false,
      complete: (request) => {
        requests.push(request);
        return new Promise(() => {});
      },
    };
    const runs = new RunningJobs();

    // Act
    const a = runs.start(siteJob('a', { inputTokens: 3 }), workerNode('n1'), T0, inference);
    runs.start(siteJob('b'), workerNode('n1'), T0, inference);
    runs.start(siteJob('c'), workerNode('n2'), T0, inference);
    stopRuns([a], 'capacity');
    const endedOnce = runs.end(a);
    const endedTwice = runs.end(a);

    // Assess
    expect(requests[0]).toMatchObject({ baseUrl: 'http://n1:8000', prompt: syntheticPrompt(3), maxTokens: 50 });
    expect(syntheticPrompt(3)).toBe('tok tok tok ');
    expect(requests[0]!.signal.aborted).toBe(true);
    expect(a.preemption).toBe('capacity');
    expect([endedOnce, endedTwice]).toEqual([true, false]);
    expect(Object.fromEntries(runs.countByNode())).toEqual({ n1: 1, n2: 1 });
    expect(runs.runningOn('n2')).toBe(1);
  });
});
