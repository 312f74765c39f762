import type { MarketSnapshot } from '../../core/model/market.js';
import type { PlanForecast } from '../../core/model/plan.js';

/**
 * What the control loop, the gateways' local reactions, the market replay and the injection control report to the
 * observer in-process (the broker carries the rest). Times are simulated epoch milliseconds.
 */
export type PlatformEvent =
  | {
      readonly type: 'dispatch';
      readonly atMs: number;
      readonly status: string;
      readonly error?: string;
      /** Real time OptimizeFlow took. */
      readonly durationMs: number;
      /** What the saved plan forecast with. */
      readonly forecast?: PlanForecast;
    }
  | {
      readonly type: 'switch';
      readonly atMs: number;
      readonly siteId: string;
      /** `cloud`: a SwitchFlow; `local`: the gateway reacting on its own (a price or grid signal, its clock). */
      readonly source: 'cloud' | 'local';
      readonly cause: string;
      readonly outcome: 'executed' | 'failed';
      /** Cloud: SwitchFlow start to commit; local: signal published to the devices accepting it (real ms). */
      readonly latencyMs?: number;
      readonly detail?: string;
    }
  | { readonly type: 'market'; readonly atMs: number; readonly snapshot: MarketSnapshot }
  | {
      readonly type: 'injection';
      readonly atMs: number;
      readonly kind: string;
      readonly untilMs: number;
      readonly siteIds: readonly string[];
      readonly detail: string;
    };

export type PlatformEventSink = (event: PlatformEvent) => void;
