import { z } from 'zod';
import { openModels } from '../gpu/models.js';
import { DEFAULT_DEMAND_TERMS } from '../optimizer/types.js';
import { idSchema, isoInstantSchema, storableNumber } from '../support/schema.js';
import type { FieldIssue } from '../support/validation.js';

/**
 * A customer's bid for flex GPU capacity (issue 28): a model, an amount of work in H100-equivalent GPU-hours (the
 * optimizer's unit, core/optimizer/physics.ts gpuSpeed), a price limit per GPU-hour, a window (earliest start,
 * deadline), and optionally all-or-nothing. Bids are cleared against mining each dispatch (./clearing.ts); a fill is
 * billed at the interval's uniform price, never above the bid's limit.
 */

/** The model classes a bid may name: the open models the platform serves (core/gpu/models.ts). */
export const bidModelClasses = Object.keys(openModels) as [string, ...string[]];
export const bidModelClassSchema = z.enum(bidModelClasses);

/** One HGX board: the most GPUs a bid's job runs on at once unless it says otherwise. */
export const DEFAULT_BID_MAX_GPUS = 8;

export const placeBidBodySchema = z
  .strictObject({
    modelClass: bidModelClassSchema,
    /** Work wanted, H100-equivalent GPU-hours. */
    gpuHours: storableNumber({ min: 0.01, max: 100_000, decimals: 2 }),
    /** The most the customer pays per H100-equivalent GPU-hour. */
    limitUsdPerGpuHour: storableNumber({ min: 0.01, max: 1_000, decimals: 4 }),
    earliestStartAt: isoInstantSchema,
    deadlineAt: isoInstantSchema,
    /** Filled whole in one interval or not at all (never split). @default false */
    allOrNothing: z.boolean().default(false),
    /** GPUs the job may use at once: with gpuHours, the shortest time it needs. @default 8 */
    maxGpus: z.number().int().min(1).max(1024).default(DEFAULT_BID_MAX_GPUS),
  })
  .meta({ id: 'BidRequest' });
export type PlaceBidBody = z.infer<typeof placeBidBodySchema>;

/** PATCH body: what may change on an open bid (the model and all-or-nothing may not: cancel and place anew). */
export const amendBidBodySchema = z
  .strictObject({
    gpuHours: placeBidBodySchema.shape.gpuHours.optional(),
    limitUsdPerGpuHour: placeBidBodySchema.shape.limitUsdPerGpuHour.optional(),
    earliestStartAt: isoInstantSchema.optional(),
    deadlineAt: isoInstantSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ id: 'BidAmendment' });
export type AmendBidBody = z.infer<typeof amendBidBodySchema>;

export const bidStatusSchema = z.enum(['open', 'filled', 'cancelled', 'expired']);
export type BidStatus = z.infer<typeof bidStatusSchema>;

export const bidFillSchema = z
  .object({
    clearingId: z.string(),
    /** Start of the cleared interval. */
    intervalStart: isoInstantSchema,
    gpuHours: z.number().nonnegative(),
    /** The interval's uniform price for the bid's model class. */
    priceUsdPerGpuHour: z.number().nonnegative(),
    amountUsd: z.number().nonnegative(),
    /** Where the work runs: the fleet's sites at the uniform price, or a partner cloud at its cost + margin. @default site */
    venue: z.enum(['site', 'partner']).optional(),
    /** On a partner fill: the partner, what it charges HCP for the fill, and the platform's margin (amount = both). */
    partnerId: z.string().optional(),
    partnerCostUsd: z.number().nonnegative().optional(),
    marginUsd: z.number().optional(),
  })
  .meta({ id: 'BidFill' });
export type BidFill = z.infer<typeof bidFillSchema>;

export const bidSchema = placeBidBodySchema
  .extend({
    id: idSchema,
    tenantId: idSchema,
    status: bidStatusSchema,
    filledGpuHours: z.number().nonnegative(),
    fills: z.array(bidFillSchema),
    placedAt: isoInstantSchema,
    updatedAt: isoInstantSchema,
    /** Bumped by every change; a clearing fills only the version it read. */
    version: z.number().int().nonnegative(),
    /** Why an expired bid was not (wholly) filled: `no_site_capacity`, `partner_not_allowed`, `partner_over_limit`. */
    unfilledReason: z.string().optional(),
  })
  .meta({ id: 'Bid' });
export type Bid = z.infer<typeof bidSchema>;

/** Statuses a bid can still be filled, amended or cancelled in. */
export const OPEN_BID_STATUSES = ['open'] as const satisfies readonly BidStatus[];

export const remainingGpuHours = (bid: Pick<Bid, 'gpuHours' | 'filledGpuHours'>) =>
  Math.max(0, roundGpuHours(bid.gpuHours - bid.filledGpuHours));

/** GPU-hours are kept to 1e-6 so fills add up exactly on a statement. */
export const roundGpuHours = (h: number) => Math.round(h * 1e6) / 1e6;

/**
 * The published floor: the fixed sheet's flex rate (core/optimizer/types.ts). A bid below it would pay less than the
 * work the sheet already sells, so it is refused rather than left to never clear.
 */
export const BID_FLOOR_USD_PER_GPU_HOUR = DEFAULT_DEMAND_TERMS.flexUsdPerGpuHour;

/** The rules a bid's terms must meet beyond their types, each a 422 naming the rule (docs/API.md). */
export interface BidRuleContext {
  readonly nowMs: number;
  /** The published floor: no bid may limit below it (the price sheet's flex rate). */
  readonly floorUsdPerGpuHour: number;
}

type BidTerms = Pick<PlaceBidBody, 'gpuHours' | 'limitUsdPerGpuHour' | 'earliestStartAt' | 'deadlineAt' | 'maxGpus'>;

export function bidRuleIssues(terms: BidTerms, ctx: BidRuleContext): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (terms.limitUsdPerGpuHour < ctx.floorUsdPerGpuHour) {
    issues.push({
      field: 'limitUsdPerGpuHour',
      rule: 'below_floor',
      message: `limit ${terms.limitUsdPerGpuHour} USD/GPU-h is below the published floor ${ctx.floorUsdPerGpuHour} USD/GPU-h`,
    });
  }
  const startMs = Date.parse(terms.earliestStartAt);
  const deadlineMs = Date.parse(terms.deadlineAt);
  if (deadlineMs <= ctx.nowMs) {
    issues.push({ field: 'deadlineAt', rule: 'window_in_past', message: `deadline ${terms.deadlineAt} has passed` });
    return issues;
  }
  const jobHours = terms.gpuHours / terms.maxGpus;
  const windowHours = (deadlineMs - Math.max(startMs, ctx.nowMs)) / 3_600_000;
  if (windowHours < jobHours) {
    issues.push({
      field: 'deadlineAt',
      rule: 'window_shorter_than_job',
      message: `the window leaves ${windowHours.toFixed(2)} h; ${terms.gpuHours} GPU-h on at most ${terms.maxGpus} GPUs needs ${jobHours.toFixed(2)} h`,
    });
  }
  return issues;
}

/** A bid as placed: open, nothing filled, version 0. */
export function newBid(body: PlaceBidBody, id: string, tenantId: string, nowIso: string): Bid {
  return {
    ...body,
    id,
    tenantId,
    status: 'open',
    filledGpuHours: 0,
    fills: [],
    placedAt: nowIso,
    updatedAt: nowIso,
    version: 0,
  };
}

/** Whether a bid may be served in [fromMs, toMs): open, work left, and the window overlapping the interval. */
export function bidServableIn(bid: Bid, fromMs: number, toMs: number): boolean {
  return (
    bid.status === 'open' &&
    remainingGpuHours(bid) > 0 &&
    Date.parse(bid.earliestStartAt) < toMs &&
    Date.parse(bid.deadlineAt) > fromMs
  );
}
