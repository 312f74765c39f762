import { bidRuleIssues, newBid, placeBidBodySchema } from '../../../core/bids/bid.js';
import { orderBook } from '../../../core/bids/order-book.js';

const nowMs = Date.parse('2026-12-07T08:00:00Z');
const ctx = { nowMs, floorUsdPerGpuHour: 1.5 };
const body = (over: Record<string, unknown> = {}) =>
  placeBidBodySchema.parse({
    modelClass: 'meta-llama/Llama-3.1-8B-Instruct',
    gpuHours: 16,
    limitUsdPerGpuHour: 4,
    earliestStartAt: '2026-12-07T08:00:00Z',
    deadlineAt: '2026-12-07T12:00:00Z',
    ...over,
  });

describe('bid rules (422s of POST /v1/bids)', () => {
  it('accepts a bid above the floor whose window fits the job', () => {
    expect(bidRuleIssues(body(), ctx)).toEqual([]);
  });

  it('refuses a limit below the published floor, naming the rule', () => {
    expect(bidRuleIssues(body({ limitUsdPerGpuHour: 1.49 }), ctx)).toEqual([
      expect.objectContaining({ field: 'limitUsdPerGpuHour', rule: 'below_floor' }),
    ]);
  });

  it('refuses a window whose deadline has passed', () => {
    expect(
      bidRuleIssues(body({ earliestStartAt: '2026-12-07T06:00:00Z', deadlineAt: '2026-12-07T08:00:00Z' }), ctx),
    ).toEqual([expect.objectContaining({ field: 'deadlineAt', rule: 'window_in_past' })]);
  });

  it('refuses a window shorter than the job on its most GPUs', () => {
    // 16 GPU-h on at most 2 GPUs needs 8 h; the window leaves 4 h.
    expect(bidRuleIssues(body({ maxGpus: 2 }), ctx)).toEqual([
      expect.objectContaining({ field: 'deadlineAt', rule: 'window_shorter_than_job' }),
    ]);
  });

  it('counts the window from now when its start has passed', () => {
    // 4 GPU-h on 1 GPU needs 4 h; the window opened at 05:00 but only 08:00–12:00 is left: it fits exactly.
    expect(bidRuleIssues(body({ gpuHours: 4, maxGpus: 1, earliestStartAt: '2026-12-07T05:00:00Z' }), ctx)).toEqual([]);
    expect(
      bidRuleIssues(body({ gpuHours: 4.01, maxGpus: 1, earliestStartAt: '2026-12-07T05:00:00Z' }), ctx),
    ).toHaveLength(1);
  });
});

describe('orderBook', () => {
  it('groups the open bids by class and limit, highest first, with the cumulative depth', () => {
    // Prepare
    const at = '2026-12-07T08:00:00.000Z';
    const a = newBid(body({ limitUsdPerGpuHour: 4 }), 'a', 't1', at);
    const b = newBid(body({ limitUsdPerGpuHour: 6, gpuHours: 8 }), 'b', 't2', at);
    const c = newBid(body({ limitUsdPerGpuHour: 4, gpuHours: 2 }), 'c', 't2', at);
    const cancelled = { ...newBid(body({ limitUsdPerGpuHour: 9 }), 'd', 't1', at), status: 'cancelled' as const };
    // Act
    const book = orderBook([a, b, c, cancelled], nowMs);
    // Assess
    expect(book).toEqual([
      {
        modelClass: 'meta-llama/Llama-3.1-8B-Instruct',
        levels: [
          { limitUsdPerGpuHour: 6, gpuHours: 8, bids: 1, cumulativeGpuHours: 8 },
          { limitUsdPerGpuHour: 4, gpuHours: 18, bids: 2, cumulativeGpuHours: 26 },
        ],
      },
    ]);
  });
});
