import type { WorkloadRequest, WorkloadTier } from '../model/workload.js';
import type { Rng } from '../support/random.js';
import { isoInstant, localCalendar, MS_PER_HOUR, MS_PER_MINUTE } from './calendar.js';
import { logNormal, poisson, streamRng, weightedIndex } from './draws.js';
import type { WorkloadScenario } from './scenario.js';

/**
 * Open models a tenant may ask for, with their sizes (Hugging Face model cards) and a list price per million tokens
 * of the order serverless inference providers charged in 2025. The reference fleet serves the first three.
 */
export const OPEN_MODELS = [
  {
    modelId: 'meta-llama/Llama-3.1-8B-Instruct',
    parameters: 8.03e9,
    contextTokens: 131_072,
    usdPerMillionTokens: 0.18,
  },
  {
    modelId: 'meta-llama/Llama-3.1-70B-Instruct',
    parameters: 70.6e9,
    contextTokens: 131_072,
    usdPerMillionTokens: 0.88,
  },
  // Mixture of experts: 46.7B parameters, 12.9B active per token.
  {
    modelId: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    parameters: 46.7e9,
    contextTokens: 32_768,
    usdPerMillionTokens: 0.6,
  },
  {
    modelId: 'meta-llama/Llama-3.3-70B-Instruct',
    parameters: 70.6e9,
    contextTokens: 131_072,
    usdPerMillionTokens: 0.88,
  },
  { modelId: 'Qwen/Qwen2.5-7B-Instruct', parameters: 7.62e9, contextTokens: 32_768, usdPerMillionTokens: 0.18 },
  {
    modelId: 'mistralai/Mistral-7B-Instruct-v0.3',
    parameters: 7.25e9,
    contextTokens: 32_768,
    usdPerMillionTokens: 0.2,
  },
] as const;

/** Default mix: the models the reference fleet serves, small models most asked for. */
export const DEFAULT_MODEL_WEIGHTS: Readonly<Record<string, number>> = {
  'meta-llama/Llama-3.1-8B-Instruct': 0.5,
  'meta-llama/Llama-3.1-70B-Instruct': 0.3,
  'mistralai/Mixtral-8x7B-Instruct-v0.1': 0.2,
};

/**
 * Arrival shape, normalised to a weekly mean of 1: business-hours demand peaking at 14:00 local (±60%), weekdays
 * 1.15× and weekends 0.625× (5 × 1.15 + 2 × 0.625 = 7). Shape chosen, not fitted: no tenant traffic exists yet.
 */
export const ARRIVAL_SHAPE = {
  peakHour: 14,
  diurnalAmplitude: 0.6,
  weekdayFactor: 1.15,
  weekendFactor: 0.625,
} as const;

export function arrivalRateFactor(hourOfDay: number, dayOfWeek: number): number {
  const diurnal =
    1 + ARRIVAL_SHAPE.diurnalAmplitude * Math.cos((2 * Math.PI * (hourOfDay - ARRIVAL_SHAPE.peakHour)) / 24);
  const weekly = dayOfWeek === 0 || dayOfWeek === 6 ? ARRIVAL_SHAPE.weekendFactor : ARRIVAL_SHAPE.weekdayFactor;
  return diurnal * weekly;
}

export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  /** Relative share of traffic (Zipf: a few tenants send most jobs). */
  readonly weight: number;
  /** 0–1: the tenant's share of guaranteed jobs is the scenario's × (0.5 + affinity). */
  readonly guaranteedAffinity: number;
}

/** Company names come from outside core/ (faker in sim/), so core/ stays free of that dependency. */
export type NameSource = (index: number) => string;

const FALLBACK_PARTS = [
  ['Lone Star', 'Permian', 'Gulf', 'Brazos', 'Pecos', 'Alamo', 'Bluebonnet', 'Caddo', 'Llano', 'Trinity'],
  ['Analytics', 'Labs', 'Health', 'Logistics', 'Robotics', 'Media', 'Legal AI', 'Energy', 'Fintech', 'Retail'],
];
/** Deterministic names for tests and callers without faker. */
export const fallbackNameSource: NameSource = (index) =>
  `${FALLBACK_PARTS[0]![index % 10]} ${FALLBACK_PARTS[1]![Math.floor(index / 10) % 10]}${index >= 100 ? ` ${index}` : ''}`;

const hex = (rng: Rng, length: number) =>
  Array.from({ length }, () => Math.floor(rng.next() * 16).toString(16)).join('');

/** Tenants with ids that depend only on the seed and their position. */
export function generateTenants(count: number, seed: number, names: NameSource = fallbackNameSource): Tenant[] {
  const rng = streamRng(seed, 'tenants');
  return Array.from({ length: count }, (_, k) => ({
    tenantId: `tenant-${hex(rng, 10)}`,
    name: names(k),
    weight: 1 / (k + 1) ** 1.1,
    guaranteedAffinity: rng.next(),
  }));
}

/** One synthetic submission: what a customer sends, when, and under which idempotency key. */
export interface SyntheticWorkload {
  readonly id: string;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly idempotencyKey: string;
  readonly submittedAt: string;
  /** Set when the job is part of a burst (a batch one tenant submits at once). */
  readonly burstId?: string;
  readonly request: WorkloadRequest;
}

export interface WorkloadStreamOptions {
  readonly scenario: WorkloadScenario;
  readonly startMs: number;
  readonly days: number;
  readonly timeZone: string;
  readonly seed: number;
  readonly names?: NameSource;
}

interface Burst {
  readonly id: string;
  readonly endMs: number;
  readonly multiplier: number;
  readonly tenant: Tenant;
  readonly modelId: string;
}

const uuidFrom = (rng: Rng) => {
  const h = hex(rng, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(rng.next() * 4)]}${h.slice(17, 20)}-${h.slice(20)}`;
};

/**
 * Inference jobs as a non-homogeneous Poisson process, minute by minute: mean rate × diurnal/weekly shape × surge
 * windows, plus bursts (a tenant's batch: 3–8× the base rate for 10–60 minutes). Tokens are log-normal (median
 * 1,200 in, 250 out); guaranteed jobs want an answer within 2–15 minutes and pay a premium, flex jobs take 1–24 hours.
 */
export function* workloadStream(options: WorkloadStreamOptions): Generator<SyntheticWorkload> {
  const { scenario, startMs, seed } = options;
  const rng = streamRng(seed, 'workloads');
  const tenants = generateTenants(scenario.tenants, seed, options.names);
  const tenantWeights = tenants.map((t) => t.weight);
  const modelWeights = scenario.modelWeights ?? DEFAULT_MODEL_WEIGHTS;
  const modelIds = Object.keys(modelWeights);
  const weights = modelIds.map((m) => modelWeights[m]!);
  const minutes = Math.round(options.days * 24 * 60);
  let burst: Burst | undefined;
  let burstCounter = 0;
  for (let minute = 0; minute < minutes; minute++) {
    const minuteMs = startMs + minute * MS_PER_MINUTE;
    const calendar = localCalendar(minuteMs, options.timeZone);
    const hoursFromStart = minute / 60;
    if (burst && minuteMs >= burst.endMs) burst = undefined;
    if (!burst && rng.next() < scenario.burstsPerDay / 1440) {
      const tenant = tenants[weightedIndex(rng, tenantWeights)]!;
      burst = {
        id: `burst-${++burstCounter}`,
        endMs: minuteMs + (10 + Math.floor(rng.next() * 51)) * MS_PER_MINUTE,
        multiplier: 3 + 5 * rng.next(),
        tenant,
        modelId: modelIds[weightedIndex(rng, weights)]!,
      };
    }
    let surge = 1;
    for (const w of scenario.surgeWindows) {
      if (hoursFromStart >= w.startHour && hoursFromStart < w.startHour + w.durationHours) surge *= w.multiplier;
    }
    const baseRatePerMinute =
      (scenario.jobsPerHour / 60) * arrivalRateFactor(calendar.hourOfDay, calendar.dayOfWeek) * surge;
    const baseCount = poisson(rng, baseRatePerMinute);
    const burstCount = burst ? poisson(rng, baseRatePerMinute * (burst.multiplier - 1)) : 0;
    const offsets = Array.from({ length: baseCount + burstCount }, () => Math.floor(rng.next() * 60_000)).sort(
      (a, b) => a - b,
    );
    // Which arrivals belong to the burst is drawn, so burst jobs interleave with the rest within the minute.
    for (const offsetMs of offsets) {
      const fromBurst = burst !== undefined && rng.next() < burstCount / (baseCount + burstCount);
      const tenant = fromBurst ? burst!.tenant : tenants[weightedIndex(rng, tenantWeights)]!;
      const modelId = fromBurst ? burst!.modelId : modelIds[weightedIndex(rng, weights)]!;
      yield job(rng, scenario, tenant, modelId, minuteMs + offsetMs, fromBurst ? burst!.id : undefined);
    }
  }
}

function job(
  rng: Rng,
  scenario: WorkloadScenario,
  tenant: Tenant,
  modelId: string,
  submittedMs: number,
  burstId: string | undefined,
): SyntheticWorkload {
  const model = OPEN_MODELS.find((m) => m.modelId === modelId);
  const contextTokens = model?.contextTokens ?? 32_768;
  const guaranteedShare = Math.min(1, scenario.guaranteedShare * (0.5 + tenant.guaranteedAffinity));
  const tier: WorkloadTier = rng.next() < guaranteedShare ? 'guaranteed' : 'flex';
  const inputTokens = Math.min(contextTokens - 8192, Math.max(16, Math.round(logNormal(rng, 1200, 1.0))));
  const outputTokens = Math.min(8192, Math.max(1, Math.round(logNormal(rng, 250, 0.8))));
  const deadlineMs =
    tier === 'guaranteed'
      ? submittedMs + (2 + Math.floor(rng.next() * 14)) * MS_PER_MINUTE
      : submittedMs + (1 + rng.next() * 23) * MS_PER_HOUR;
  const listUsd = ((inputTokens + outputTokens) / 1e6) * (model?.usdPerMillionTokens ?? 0.5);
  const premium = tier === 'guaranteed' ? 1.5 : 0.6;
  const maxPriceUsd = Math.max(0.000001, Math.round(listUsd * premium * (1 + rng.next()) * 1e6) / 1e6);
  return {
    id: `wl-${hex(rng, 16)}`,
    tenantId: tenant.tenantId,
    tenantName: tenant.name,
    idempotencyKey: uuidFrom(rng),
    submittedAt: new Date(submittedMs).toISOString(),
    ...(burstId ? { burstId } : {}),
    request: {
      modelId,
      inputTokens,
      outputTokens,
      tier,
      deadline: isoInstant(Math.round(deadlineMs / 1000) * 1000),
      maxPriceUsd,
    },
  };
}
