import { z } from 'zod';
import { hashpriceUsdPerThDay, subsidyBtcAtHeight } from '../../../core/economics/hashprice.js';
import type { Hashprice } from '../../../core/model/market.js';
import type { Clock } from '../../../core/support/clock.js';
import type { MarketDataSource } from '../ports.js';

/** Hashprice with its inputs, from public sources. */
export interface HashpriceInputs {
  latest(): Promise<Hashprice>;
}

export const MEMPOOL_SPACE_BASE_URL = 'https://mempool.space';
const SATS_PER_BTC = 1e8;
/** About a day of blocks at the 600 s target: the fee sum over them is the fees per day. */
const BLOCKS_PER_DAY = 144;

const pricesSchema = z.looseObject({ time: z.number(), USD: z.number().positive() });
const satsSchema = z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number);
const rewardStatsSchema = z.looseObject({ endBlock: z.coerce.number().int().positive(), totalFee: satsSchema });
const hashrateSchema = z.looseObject({ currentDifficulty: z.number().positive() });

/**
 * Hashprice from mempool.space's public REST API (mempool.space/api; no key; it answers 429 past its rate limits, so
 * one read an hour is kept): BTC price `GET /api/v1/prices` (`USD`), difficulty `GET /api/v1/mining/hashrate/3d`
 * (`currentDifficulty`), fees over the last 144 blocks and the tip height `GET /api/v1/mining/reward-stats/144`
 * (`totalFee` in sats, `endBlock`); the subsidy follows from the height. The formula is core/economics/hashprice.ts.
 */
export class MempoolSpaceHashprice implements HashpriceInputs {
  private held: { atMs: number; value: Hashprice } | undefined;

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      /** @default MEMPOOL_SPACE_BASE_URL */
      readonly baseUrl?: string;
      /** @default one hour */
      readonly refreshMs?: number;
    },
  ) {}

  async latest(): Promise<Hashprice> {
    const nowMs = this.deps.clock.nowMs();
    if (this.held && nowMs - this.held.atMs < (this.deps.refreshMs ?? 3_600_000)) return this.held.value;
    const [prices, rewards, hashrate] = await Promise.all([
      this.get('/api/v1/prices', pricesSchema),
      this.get(`/api/v1/mining/reward-stats/${BLOCKS_PER_DAY}`, rewardStatsSchema),
      this.get('/api/v1/mining/hashrate/3d', hashrateSchema),
    ]);
    const inputs = {
      btcPriceUsd: prices.USD,
      difficulty: hashrate.currentDifficulty,
      subsidyBtc: subsidyBtcAtHeight(rewards.endBlock),
      feesBtcPerDay: rewards.totalFee / SATS_PER_BTC,
    };
    const value = { ...inputs, hashpriceUsdPerThDay: hashpriceUsdPerThDay(inputs) };
    this.held = { atMs: nowMs, value };
    return value;
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const url = `${this.deps.baseUrl ?? MEMPOOL_SPACE_BASE_URL}${path}`;
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`mempool.space ${response.status} for ${path}`);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new Error(`mempool.space ${path}: unexpected shape: ${parsed.error.message}`);
    return parsed.data;
  }
}

/** A source whose hashprice comes from `hashprice` instead; its prices and GPU value unchanged. */
export function withHashprice(source: MarketDataSource, hashprice: HashpriceInputs): MarketDataSource {
  return {
    name: source.name,
    async snapshotAt(atMs) {
      const [snapshot, latest] = await Promise.all([source.snapshotAt(atMs), hashprice.latest()]);
      return { ...snapshot, hashprice: latest };
    },
  };
}
