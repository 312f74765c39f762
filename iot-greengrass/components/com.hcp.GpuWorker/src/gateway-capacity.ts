import { commandSchema } from '../../../../core/messages/command.js';
import { gridSignalSchema } from '../../../../core/messages/grid-signal.js';
import type { Plan } from '../../../../core/model/plan.js';
import { activeInterval } from '../../com.hcp.SwitchAgent/src/plan-schedule.js';

/** What the gateway lets the GPUs serve now, and whether a grid emergency allows preempting guaranteed work. */
export interface GpuCapacity {
  readonly gpusServingByPool: Readonly<Record<string, number>>;
  readonly emergency: boolean;
}

interface Hold {
  readonly untilMs: number;
}

/**
 * The GPU side of the gateway's state, read from the same messages the SwitchAgent acts on: the plan's GPU setpoints
 * for the interval in force, a `set-mode all-off`, a `curtail` whose walk down the plan's merit-order ladder reaches
 * GPU rungs, and a demand-response deployment (a grid emergency: every GPU pool sheds until recall or its end).
 * Messages that do not parse or name another site change nothing; the SwitchAgent refuses and acknowledges them.
 */
export class GatewayCapacity {
  private plan: Plan | undefined;
  private allOff: Hold | undefined;
  private curtailed: (Hold & { pools: ReadonlySet<string> }) | undefined;
  private emergency: (Hold & { eventId: string }) | undefined;
  private lastPriceUsdPerMwh = 0;

  constructor(
    private readonly siteId: string,
    /** Every pool's installed GPUs: what serves before any plan arrives. */
    private readonly installedGpusByPool: Readonly<Record<string, number>>,
  ) {}

  onCommand(raw: unknown): void {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success || parsed.data.siteId !== this.siteId) return;
    const command = parsed.data;
    if (command.kind === 'apply-plan') this.plan = command.payload.plan;
    else if (command.kind === 'set-mode') {
      this.allOff = command.payload.mode === 'all-off' ? { untilMs: Date.parse(command.payload.expiresAt) } : undefined;
    } else if (command.kind === 'curtail') {
      const pools = this.gpuRungsToShed(command.payload.shedKw);
      this.curtailed = { untilMs: Date.parse(command.payload.expiresAt), pools };
    } else {
      this.allOff = undefined;
      this.curtailed = undefined;
    }
  }

  onGridSignal(raw: unknown): void {
    const parsed = gridSignalSchema.safeParse(raw);
    if (parsed.success && parsed.data.kind === 'price') this.lastPriceUsdPerMwh = parsed.data.priceUsdPerMwh;
    if (!parsed.success || parsed.data.kind !== 'demand-response') return;
    const signal = parsed.data;
    if (signal.action === 'recall') {
      if (this.emergency?.eventId === signal.eventId) this.emergency = undefined;
      return;
    }
    const untilMs = signal.endsAt ? Date.parse(signal.endsAt) : Number.POSITIVE_INFINITY;
    this.emergency = { eventId: signal.eventId, untilMs };
  }

  /** The site's real-time price as its last price signal gave it (what a model warm-up is charged at); 0 before one. */
  priceUsdPerMwh(): number {
    return this.lastPriceUsdPerMwh;
  }

  at(nowMs: number): GpuCapacity {
    const active = (hold: Hold | undefined) => hold !== undefined && nowMs < hold.untilMs;
    const emergency = active(this.emergency);
    const interval = this.plan ? activeInterval(this.plan, this.siteId, nowMs)?.interval : undefined;
    const gpusServingByPool: Record<string, number> = {};
    for (const [poolId, installed] of Object.entries(this.installedGpusByPool)) {
      const planned = interval ? (interval.gpuPools.find((p) => p.poolId === poolId)?.gpusServing ?? 0) : installed;
      const shed = emergency || active(this.allOff) || (active(this.curtailed) && this.curtailed!.pools.has(poolId));
      gpusServingByPool[poolId] = shed ? 0 : Math.min(planned, installed);
    }
    return { gpusServingByPool, emergency };
  }

  /** The ladder walk of a `curtail`: cheapest rungs first until the shed is covered; the GPU pools among them. */
  private gpuRungsToShed(shedKw: number): ReadonlySet<string> {
    const ladder = this.plan?.sites.find((s) => s.siteId === this.siteId)?.ladder ?? [];
    const pools = new Set<string>();
    let shed = 0;
    for (const rung of ladder) {
      if (shed >= shedKw) break;
      shed += rung.sheddableKw;
      if (rung.kind === 'gpu') pools.add(rung.groupId);
    }
    return pools;
  }
}
