import { z } from 'zod';
import { openModels } from '../gpu/models.js';
import { DEFAULT_DEMAND_TERMS } from '../optimizer/types.js';
import { idSchema, isoInstantSchema, storableNumber } from '../support/schema.js';
import type { FieldIssue } from '../support/validation.js';
import {
  type BidUnit,
  gpuHoursOfTokens,
  tokensOfGpuHours,
  tokensPerGpuHour,
  usdPerGpuHourOf,
  usdPerMillionTokensOf,
} from './units.js';

/**
 * A customer's bid for flex GPU capacity (issue 28): a model, an amount of work in H100-equivalent GPU-hours (the
 * optimizer's unit, core/optimizer/physics.ts gpuSpeed) with a price limit per GPU-hour, or in tokens with a limit per
 * million tokens (converted at the model catalog's H100 throughput, ./units.ts), a window (earliest start, deadline),
 * and optionally all-or-nothing. Bids are cleared against mining each dispatch (./clearing.ts) in GPU-hours; a fill is
 * billed at the interval's uniform price, never above the bid's limit, and shown in the bid's own unit too.
 */

/** The model classes a bid may name: the open models the platform serves (core/gpu/models.ts). */
export const bidModelClasses = Object.keys(openModels) as [string, ...string[]];
export const bidModelClassSchema = z.enum(bidModelClasses);

/** One HGX board: the most GPUs a bid's job runs on at once unless it says otherwise. */
export const DEFAULT_BID_MAX_GPUS = 8;

export const placeBidBodySchema = z
  .strictObject({
    modelClass: bidModelClassSchema,
    /** Work wanted, H100-equivalent GPU-hours, with `limitUsdPerGpuHour`; or name `tokens` instead (exactly one). */
    gpuHours: storableNumber({ min: 0.01, max: 100_000, decimals: 2 }).optional(),
    /** The most the customer pays per H100-equivalent GPU-hour (a bid in GPU-hours). */
    limitUsdPerGpuHour: storableNumber({ min: 0.01, max: 1_000, decimals: 4 }).optional(),
    /** Work wanted, output tokens of the model, with `limitUsdPerMillionTokens`; or `gpuHours` (exactly one). */
    tokens: z.number().int().min(1_000).max(1e12).optional(),
    /** The most the customer pays per million tokens (a bid in tokens). */
    limitUsdPerMillionTokens: storableNumber({ min: 0.000001, max: 1_000, decimals: 6 }).optional(),
    earliestStartAt: isoInstantSchema,
    deadlineAt: isoInstantSchema,
    /** Filled whole in one interval or not at all (never split). @default false */
    allOrNothing: z.boolean().default(false),
    /** GPUs the job may use at once: with gpuHours, the shortest time it needs. @default 8 */
    maxGpus: z.number().int().min(1).max(1024).default(DEFAULT_BID_MAX_GPUS),
  })
  .meta({ id: 'BidRequest' });
export type PlaceBidBody = z.infer<typeof placeBidBodySchema>;

/**
 * PATCH body: what may change on an open bid, in its own unit (the model, the unit and all-or-nothing may not: cancel
 * and place anew).
 */
export const amendBidBodySchema = z
  .strictObject({
    gpuHours: placeBidBodySchema.shape.gpuHours,
    limitUsdPerGpuHour: placeBidBodySchema.shape.limitUsdPerGpuHour,
    tokens: placeBidBodySchema.shape.tokens,
    limitUsdPerMillionTokens: placeBidBodySchema.shape.limitUsdPerMillionTokens,
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
    /** A bid in tokens: the fill's tokens and the price per million tokens. */
    tokens: z.number().int().nonnegative().optional(),
    priceUsdPerMillionTokens: z.number().nonnegative().optional(),
    /** Where the work runs: the fleet's sites at the uniform price, or a partner cloud at its cost + margin. @default site */
    venue: z.enum(['site', 'partner']).optional(),
    /** On a partner fill: the partner, what it charges HCP for the fill, and the platform's margin (amount = both). */
    partnerId: z.string().optional(),
    partnerCostUsd: z.number().nonnegative().optional(),
    marginUsd: z.number().optional(),
  })
  .meta({ id: 'BidFill' });
export type BidFill = z.infer<typeof bidFillSchema>;

export const bidUnitSchema = z.enum(['gpu-hours', 'tokens']);

export const bidSchema = placeBidBodySchema
  .extend({
    /** The bid's own unit; absent on bids stored before bids in tokens (GPU-hours). */
    unit: bidUnitSchema.optional(),
    /** H100-equivalent GPU-hours wanted: as placed, or the tokens converted (what clearing counts). */
    gpuHours: z.number().positive(),
    /** $/GPU-hour: as placed, or the limit per million tokens converted. */
    limitUsdPerGpuHour: z.number().positive(),
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

type UnitFields = Pick<PlaceBidBody, 'gpuHours' | 'limitUsdPerGpuHour' | 'tokens' | 'limitUsdPerMillionTokens'>;

/** A bid's amount and limit in GPU-hours (what clearing counts), with the bid's own unit and, for tokens, its terms. */
export interface BidAmount {
  readonly unit: BidUnit;
  readonly gpuHours: number;
  readonly limitUsdPerGpuHour: number;
  readonly tokens?: number;
  readonly limitUsdPerMillionTokens?: number;
}

type BidTerms = UnitFields & Pick<PlaceBidBody, 'modelClass' | 'earliestStartAt' | 'deadlineAt' | 'maxGpus'>;

/** Exactly one unit, each with its own limit: 422s naming the field. */
export function bidUnitIssues(body: UnitFields, modelClass: string): FieldIssue[] {
  const byHours = body.gpuHours !== undefined;
  const byTokens = body.tokens !== undefined;
  const issue = (field: string, rule: string, message: string): FieldIssue[] => [{ field, rule, message }];
  if (byHours && byTokens) return issue('tokens', 'one_unit', 'name gpuHours or tokens, not both');
  if (!byHours && !byTokens) {
    return issue(
      'gpuHours',
      'one_unit',
      'name gpuHours (with limitUsdPerGpuHour) or tokens (with limitUsdPerMillionTokens)',
    );
  }
  const [limit, other] = byHours
    ? (['limitUsdPerGpuHour', 'limitUsdPerMillionTokens'] as const)
    : (['limitUsdPerMillionTokens', 'limitUsdPerGpuHour'] as const);
  if (body[other] !== undefined) {
    return issue(other, 'unit_mismatch', `a bid in ${byHours ? 'gpuHours' : 'tokens'} names its limit as ${limit}`);
  }
  if (body[limit] === undefined) {
    return issue(limit, 'required_with_unit', `a bid in ${byHours ? 'gpuHours' : 'tokens'} needs ${limit}`);
  }
  if (byTokens && tokensPerGpuHour(modelClass) === undefined) {
    return issue('tokens', 'no_throughput', `the model catalog has no H100 throughput for ${modelClass}`);
  }
  return [];
}

/** The amount in GPU-hours of a body that passed `bidUnitIssues` (throws otherwise: a caller's bug). */
export function bidAmountOf(body: UnitFields, modelClass: string): BidAmount {
  if (body.gpuHours !== undefined && body.limitUsdPerGpuHour !== undefined) {
    return { unit: 'gpu-hours', gpuHours: body.gpuHours, limitUsdPerGpuHour: body.limitUsdPerGpuHour };
  }
  const perGpuHour = tokensPerGpuHour(modelClass);
  const { tokens, limitUsdPerMillionTokens } = body;
  if (tokens === undefined || limitUsdPerMillionTokens === undefined || perGpuHour === undefined) {
    throw new Error(`bid terms without one whole unit: ${JSON.stringify(bidUnitIssues(body, modelClass))}`);
  }
  return {
    unit: 'tokens',
    tokens,
    limitUsdPerMillionTokens,
    gpuHours: gpuHoursOfTokens(tokens, perGpuHour),
    limitUsdPerGpuHour: usdPerGpuHourOf(limitUsdPerMillionTokens, perGpuHour),
  };
}

export function bidRuleIssues(terms: BidTerms, ctx: BidRuleContext): FieldIssue[] {
  const unitIssues = bidUnitIssues(terms, terms.modelClass);
  if (unitIssues.length) return unitIssues;
  const amount = bidAmountOf(terms, terms.modelClass);
  const issues: FieldIssue[] = [];
  if (amount.unit === 'tokens') {
    const floor = usdPerMillionTokensOf(ctx.floorUsdPerGpuHour, tokensPerGpuHour(terms.modelClass)!);
    if (amount.limitUsdPerMillionTokens! < floor) {
      issues.push({
        field: 'limitUsdPerMillionTokens',
        rule: 'below_floor',
        message: `limit ${amount.limitUsdPerMillionTokens} USD/M tokens is below the published floor ${floor} USD/M tokens of ${terms.modelClass} (${ctx.floorUsdPerGpuHour} USD/GPU-h)`,
      });
    }
  } else if (amount.limitUsdPerGpuHour < ctx.floorUsdPerGpuHour) {
    issues.push({
      field: 'limitUsdPerGpuHour',
      rule: 'below_floor',
      message: `limit ${amount.limitUsdPerGpuHour} USD/GPU-h is below the published floor ${ctx.floorUsdPerGpuHour} USD/GPU-h`,
    });
  }
  const startMs = Date.parse(terms.earliestStartAt);
  const deadlineMs = Date.parse(terms.deadlineAt);
  if (deadlineMs <= ctx.nowMs) {
    issues.push({ field: 'deadlineAt', rule: 'window_in_past', message: `deadline ${terms.deadlineAt} has passed` });
    return issues;
  }
  const jobHours = amount.gpuHours / terms.maxGpus;
  const windowHours = (deadlineMs - Math.max(startMs, ctx.nowMs)) / 3_600_000;
  if (windowHours < jobHours) {
    issues.push({
      field: 'deadlineAt',
      rule: 'window_shorter_than_job',
      message: `the window leaves ${windowHours.toFixed(2)} h; ${amount.gpuHours} GPU-h on at most ${terms.maxGpus} GPUs needs ${jobHours.toFixed(2)} h`,
    });
  }
  return issues;
}

/** A bid as placed: open, nothing filled, version 0, its amount in GPU-hours beside its own unit. */
export function newBid(body: PlaceBidBody, id: string, tenantId: string, nowIso: string): Bid {
  return {
    ...body,
    ...bidAmountOf(body, body.modelClass),
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

/** The unit a bid was placed in (bids stored before bids in tokens have none: GPU-hours). */
export const bidUnitOf = (bid: Pick<Bid, 'unit'>): BidUnit => bid.unit ?? 'gpu-hours';

/**
 * An open bid with a PATCH applied, in the bid's own unit: the amount and limit converted again, or the 422s naming the
 * field (a field of the other unit, an amount below what is filled already, and the rules of a new bid for the work
 * still left).
 */
export function amendedBid(
  bid: Bid,
  change: AmendBidBody,
  ctx: BidRuleContext,
  nowIso: string,
): { ok: true; bid: Bid } | { ok: false; issues: FieldIssue[] } {
  const unit = bidUnitOf(bid);
  const foreign =
    unit === 'tokens'
      ? (['gpuHours', 'limitUsdPerGpuHour'] as const)
      : (['tokens', 'limitUsdPerMillionTokens'] as const);
  const named = foreign.filter((field) => change[field] !== undefined);
  if (named.length) {
    return {
      ok: false,
      issues: named.map((field) => ({
        field,
        rule: 'unit_mismatch',
        message: `the bid is in ${unit}: cancel and place anew to change its unit`,
      })),
    };
  }
  const terms =
    unit === 'tokens'
      ? {
          tokens: change.tokens ?? bid.tokens,
          limitUsdPerMillionTokens: change.limitUsdPerMillionTokens ?? bid.limitUsdPerMillionTokens,
        }
      : {
          gpuHours: change.gpuHours ?? bid.gpuHours,
          limitUsdPerGpuHour: change.limitUsdPerGpuHour ?? bid.limitUsdPerGpuHour,
        };
  const amount = bidAmountOf(terms, bid.modelClass);
  const amended: Bid = {
    ...bid,
    ...(change.earliestStartAt ? { earliestStartAt: change.earliestStartAt } : {}),
    ...(change.deadlineAt ? { deadlineAt: change.deadlineAt } : {}),
    ...amount,
    updatedAt: nowIso,
    version: bid.version + 1,
  };
  const leftGpuHours = Math.max(0.01, roundGpuHours(amended.gpuHours - amended.filledGpuHours));
  const left =
    unit === 'tokens'
      ? {
          ...amended,
          gpuHours: undefined,
          limitUsdPerGpuHour: undefined,
          tokens: Math.max(1_000, tokensOfGpuHours(leftGpuHours, tokensPerGpuHour(bid.modelClass)!)),
        }
      : { ...amended, gpuHours: leftGpuHours, tokens: undefined, limitUsdPerMillionTokens: undefined };
  const issues = bidRuleIssues(left, ctx);
  if (amended.gpuHours < amended.filledGpuHours) {
    issues.push({
      field: unit === 'tokens' ? 'tokens' : 'gpuHours',
      rule: 'below_filled',
      message: `${amended.filledGpuHours} GPU-h are filled already`,
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, bid: amended };
}

/**
 * A fill in the bid's own unit as well: for a bid in tokens, its tokens (the last fill takes what is left, so the fills
 * add up to the bid's tokens exactly) and the price per million tokens; nothing more for a bid in GPU-hours.
 */
export function fillInBidUnit(
  bid: Bid,
  gpuHours: number,
  priceUsdPerGpuHour: number,
): Pick<BidFill, 'tokens' | 'priceUsdPerMillionTokens'> {
  const perGpuHour = tokensPerGpuHour(bid.modelClass);
  if (bidUnitOf(bid) !== 'tokens' || bid.tokens === undefined || perGpuHour === undefined) return {};
  const tokensBefore = bid.fills.reduce((a, f) => a + (f.tokens ?? 0), 0);
  const completes = roundGpuHours(bid.filledGpuHours + gpuHours) >= bid.gpuHours;
  const tokens = completes
    ? bid.tokens - tokensBefore
    : Math.min(bid.tokens - tokensBefore, tokensOfGpuHours(gpuHours, perGpuHour));
  return { tokens, priceUsdPerMillionTokens: usdPerMillionTokensOf(priceUsdPerGpuHour, perGpuHour) };
}
