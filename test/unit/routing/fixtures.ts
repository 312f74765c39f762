import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { poolStatesFor } from '../../../core/routing/pool-state.js';
import type { PoolState, RoutableJob } from '../../../core/routing/types.js';

export const NOW = Date.parse('2026-03-02T12:00:00Z');
export const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
export const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';
export const MIXTRAL = 'mistralai/Mixtral-8x7B-Instruct-v0.1';

export const site = (id: string) => referenceFleet.sites.find((s) => s.id === id)!;

/** A reference pool as the router sees it, with overrides. */
export function pool(siteId: string, overrides: Partial<PoolState> = {}): PoolState {
  const state = poolStatesFor(site(siteId), undefined, undefined)[0]!;
  return { ...state, ...overrides };
}

export function job(id: string, overrides: Partial<RoutableJob> = {}): RoutableJob {
  return {
    id,
    tenantId: 'tenant-a',
    modelId: LLAMA_8B,
    inputTokens: 1000,
    outputTokens: 500,
    tier: 'flex',
    deadlineMs: NOW + 3_600_000,
    maxPriceUsd: 100,
    submittedAtMs: NOW - 1000,
    attempt: 1,
    ...overrides,
  };
}
