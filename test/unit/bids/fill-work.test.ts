import type { Bid, BidFill } from '../../../core/bids/bid.js';
import {
  BID_PART_MAX_OUTPUT_TOKENS,
  fillPartTokens,
  fillWork,
  fillWorkloadIds,
  fillWorkloads,
  tokensPerGpuHour,
} from '../../../core/bids/fill-work.js';
import type { JobState } from '../../../core/routing/job-state.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const bid = {
  id: 'bid-1',
  tenantId: 'tenant-a',
  modelClass: MODEL,
  deadlineAt: '2026-01-01T06:00:00.000Z',
} as Bid;
const fill: BidFill = {
  clearingId: `2026-01-01T00:00:00.000Z#${MODEL}`,
  intervalStart: '2026-01-01T00:00:00.000Z',
  gpuHours: 0.2,
  priceUsdPerGpuHour: 4,
  amountUsd: 0.8,
  venue: 'site',
};

const ended = (status: 'completed' | 'failed', outputTokens: number, endedAt = '2026-01-01T01:00:00.000Z'): JobState =>
  ({
    job: { attempt: 1, outputTokens },
    status,
    reports: { '1': { endedAt } },
  }) as unknown as JobState;

describe('a fill as bid-tier work', () => {
  it('sizes the work as the GPU-hours’ tokens, in parts no larger than the cap', () => {
    // 0.2 GPU-h × 6,000 tok/s × 3,600 s = 4,320,000 tokens: four full parts and the rest
    const parts = fillPartTokens(MODEL, fill.gpuHours);
    const full = BID_PART_MAX_OUTPUT_TOKENS;
    expect(tokensPerGpuHour(MODEL)).toBe(21_600_000);
    expect(parts).toEqual([full, full, full, full, 4_320_000 - 4 * full]);
  });

  it('names each part the same way on every run, so a re-run clearing creates each job once', () => {
    const first = fillWorkloads(bid, fill, '2026-01-01T00:00:05.000Z');
    const again = fillWorkloads(bid, fill, '2026-01-01T00:09:00.000Z');
    expect(first.map((w) => w.id)).toEqual(again.map((w) => w.id));
    expect(new Set(first.map((w) => w.id)).size).toBe(5);
    expect(fillWorkloadIds(bid, fill)).toEqual(first.map((w) => w.id));
    expect(first.every((w) => w.tier === 'bid' && w.deadline === bid.deadlineAt && w.modelId === MODEL)).toBe(true);
    expect(fillWorkloadIds(bid, { ...fill, clearingId: 'another' })).not.toEqual(first.map((w) => w.id));
  });

  it('credits the share of the parts that failed or finished after the deadline, nothing while work runs', () => {
    const tokens = fillPartTokens(MODEL, fill.gpuHours);
    const last = tokens.length - 1;
    const all = (at: (i: number) => JobState | undefined) => tokens.map((_t, i) => at(i));
    const running = fillWork(
      bid,
      fill,
      all((i) => (i === 0 ? undefined : i === last ? ended('failed', tokens[i]!) : ended('completed', tokens[i]!))),
    );
    const allDone = fillWork(
      bid,
      fill,
      all((i) => ended('completed', tokens[i]!)),
    );
    const oneLate = fillWork(
      bid,
      fill,
      all((i) => ended('completed', tokens[i]!, i === 1 ? '2026-01-01T07:00:00.000Z' : undefined)),
    );
    const allFailed = fillWork(
      bid,
      fill,
      all((i) => ended('failed', tokens[i]!)),
    );
    // The last part (320,000 of 4,320,000 tokens) failed: 0.32/4.32 of $0.80
    expect(running).toMatchObject({ status: 'running', creditUsd: 0.059259 });
    expect(allDone).toMatchObject({ status: 'completed', partsMissed: 0, creditUsd: 0 });
    // One full part of 1 M tokens late: 1/4.32 of $0.80
    expect(oneLate).toMatchObject({ status: 'completed', partsMissed: 1, creditUsd: 0.185185 });
    expect(allFailed).toMatchObject({ status: 'failed', partsMissed: 5, creditUsd: 0.8 });
  });
});
