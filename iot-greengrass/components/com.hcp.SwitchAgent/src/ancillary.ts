import { type ArmedAward, armAward, devicesCovering, overlaps } from '../../../../core/ancillary/arming.js';
import { type Award, type AwardedProduct, awardsInForce } from '../../../../core/ancillary/awards.js';
import { ANCILLARY_RULES, DEFAULT_UFR_DELAY_CYCLES, groupMayCarry } from '../../../../core/ancillary/products.js';
import type { Ack } from '../../../../core/messages/ack.js';
import { type GridSignal, UNDER_FREQUENCY_TRIP_HZ } from '../../../../core/messages/grid-signal.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import type { GatewayDevice } from '../../../adapters/device-port.js';
import type { AncillaryState } from './ancillary-state.js';
import type { HoldChange } from './curtailment-book.js';
import { type DeviceFigures, deviceFigures, inMeritOrder } from './site-power.js';

/**
 * The gateway's part of ancillary services (issue 25): the awards the SwitchFlow armed (`arm-ancillary`), the devices
 * that carry each, and what a grid signal does with them. An RRS-UFR award trips exactly its devices when frequency
 * falls below the registry's relay set-point; an ECRS or Non-Spin award curtails exactly its MW on a deployment
 * signal (through the site power controller's demand-response limit when the site has a meter, else by holding its
 * devices), and a recall restores them in order. While an award stands, its devices are the last the controller takes
 * and a price hold leaves them on: the plan kept them on to honour it.
 */

/** One ancillary action, as the agent publishes it on the site's events topic. */
export interface AncillaryEvent {
  readonly action: 'armed' | 'deployed' | 'recalled' | 'tripped' | 'restored' | 'deploy-refused';
  readonly product?: AwardedProduct;
  readonly awardedMw?: number;
  readonly deployMw?: number;
  readonly devices: readonly string[];
  /** Facility power the devices free, kW. */
  readonly kw: number;
  readonly detail?: string;
}

/** What a grid signal does to the armed awards: a change of holds, a limit for the controller, and what to report. */
export interface AncillaryReaction {
  readonly change: HoldChange;
  /** Frequency is below the relay set-point but not yet for the relay's delay: when the relay trips if it stays. */
  readonly tripDueAtMs?: number;
  /** With a meter: the deployment (or recall) as the controller's demand-response limit. */
  readonly limit?: Extract<GridSignal, { kind: 'demand-response' }>;
  readonly event?: AncillaryEvent;
}

/** Arming order: the relay product first (it may use only the trip groups), then the faster reserve. */
const ARMING_ORDER: readonly AwardedProduct[] = ['RRS-UFR', 'ECRS', 'NSPIN'];

export class Ancillary {
  private readonly figures = new Map<string, DeviceFigures>();

  constructor(
    private readonly site: Site | undefined,
    devices: readonly GatewayDevice[],
  ) {
    if (!site) return;
    const perGroup = new Map<string, number>();
    for (const d of devices) perGroup.set(d.groupId, (perGroup.get(d.groupId) ?? 0) + 1);
    for (const d of devices) {
      const f = deviceFigures(site, d, perGroup.get(d.groupId) ?? 1);
      if (f?.controlled.kind === 'asic') this.figures.set(d.id, f);
    }
  }

  /**
   * Arms each award on the devices that may carry it (products.ts `groupMayCarry`) in the groups of its ERCOT resource
   * (the award's `groupIds`, when it names them), that the plan runs when the award starts (`plannedOnAt`), in merit order (least efficient first), one award per device at a time. Pure but for the
   * figures it was built with.
   */
  arm(awards: readonly Award[], ladder: readonly LadderRung[], plannedOnAt: (ms: number) => ReadonlySet<string>) {
    const armed: ArmedAward[] = [];
    const rank = (a: Award) => ARMING_ORDER.indexOf(a.product);
    const sorted = [...awards].sort((a, b) => a.intervalStartMs - b.intervalStartMs || rank(a) - rank(b));
    for (const award of sorted) {
      const taken = new Set(armed.filter((a) => overlaps(a.award, award)).flatMap((a) => a.devices));
      const on = plannedOnAt(award.intervalStartMs);
      const eligible = [...this.figures.values()].filter((f) => {
        const group = this.site?.asicGroups.find((g) => g.id === f.groupId);
        const ofResource = award.groupIds?.includes(f.groupId) ?? true;
        return (
          group &&
          ofResource &&
          groupMayCarry(award.product, group) &&
          on.has(f.controlled.id) &&
          !taken.has(f.controlled.id)
        );
      });
      const candidates = inMeritOrder(eligible, ladder).map((f) => f.controlled);
      armed.push(armAward(award, candidates));
    }
    return armed;
  }

  /** The relay's delay, ms: the registry's `ufrDelayCycles` at 60 Hz, else the default (products.ts). */
  ufrDelayMs(): number {
    return ((this.site?.ancillary?.ufrDelayCycles ?? DEFAULT_UFR_DELAY_CYCLES) / 60) * 1000;
  }

  /**
   * The under-frequency relay (NOG 2.3.1.2; issue 25 item 4): it trips the devices armed for RRS-UFR once frequency
   * has stayed below the set-point for its delay (`ufrDelayCycles`), so a dip shorter than the delay trips nothing.
   * Undefined when frequency is not below the set-point; before the delay has run, no change and when to look again
   * (`tripDueAtMs`: the agent's timer and its tick call this again); after the trip, nothing more until recovery.
   * Changes `state` (the trips).
   */
  relay(state: AncillaryState, nowMs: number, detail = `below ${this.tripHz()} Hz`): AncillaryReaction | undefined {
    const since = state.ufrBelowSinceMs;
    if (since === undefined) return undefined;
    const dueAtMs = since + this.ufrDelayMs();
    if (nowMs < dueAtMs) return { change: { reason: 'frequency' }, tripDueAtMs: dueAtMs };
    const ufr = inForce(state, nowMs, 'RRS-UFR');
    const devices = ufr.flatMap((a) => a.devices).filter((id) => !state.tripped.includes(id));
    if (devices.length === 0) return { change: { reason: 'frequency' } };
    state.tripped = [...state.tripped, ...devices];
    const event = this.event('tripped', ufr, devices, `${detail} for ${nowMs - since} ms`);
    return { change: { reason: 'frequency', holdDevices: devices }, event };
  }

  /** The relay set-point of the site's under-frequency devices: the registry's, else ERCOT's 59.7 Hz. */
  tripHz(): number {
    return this.site?.ancillary?.ufrTripHz ?? UNDER_FREQUENCY_TRIP_HZ;
  }

  /**
   * A grid signal read against the awards in force: undefined when it is none of theirs (no award of its product in
   * force, a price, a demand-response deployment with no product), so the agent's other reactions take it. Changes
   * `state` (deployment, trips).
   */
  react(
    signal: GridSignal,
    state: AncillaryState,
    nowMs: number,
    options: { readonly restoreHz: number; readonly limitPath: boolean },
  ): AncillaryReaction | undefined {
    if (signal.kind === 'frequency') {
      const ufr = inForce(state, nowMs, 'RRS-UFR');
      if (ufr.length === 0) {
        state.ufrBelowSinceMs = undefined;
        return undefined;
      }
      if (signal.frequencyHz < this.tripHz()) {
        state.ufrBelowSinceMs ??= nowMs;
        return this.relay(state, nowMs, `${signal.frequencyHz} Hz < ${this.tripHz()} Hz`)!;
      }
      // A dip shorter than the relay's delay ends here: nothing tripped.
      state.ufrBelowSinceMs = undefined;
      if (signal.frequencyHz < options.restoreHz || state.tripped.length === 0)
        return { change: { reason: 'frequency' } };
      const event = this.event('restored', ufr, state.tripped, `${signal.frequencyHz} Hz`);
      state.tripped = [];
      return { change: { reason: 'frequency', release: 'all' }, event };
    }
    if (signal.kind !== 'demand-response' || !signal.product) return undefined;
    const product = signal.product;
    if (signal.action === 'recall') {
      const deployment = state.deployment;
      if (!deployment || deployment.product !== product) return { change: { reason: 'demand-response' } };
      state.deployment = undefined;
      const event = { ...this.event('recalled', inForce(state, nowMs, product), deployment.devices), product };
      return {
        change: options.limitPath ? { reason: 'demand-response' } : { reason: 'demand-response', release: 'all' },
        ...(options.limitPath ? { limit: signal } : {}),
        event,
      };
    }
    const awards = inForce(state, nowMs, product);
    if (awards.length === 0) {
      const event: AncillaryEvent = { action: 'deploy-refused', product, devices: [], kw: 0, detail: 'no award' };
      return { change: { reason: 'demand-response' }, event };
    }
    const awardedKw = awards.reduce((kw, a) => kw + a.award.awardedMw * 1000, 0);
    // ERCOT deploys up to the award; more than the award is not ours to give.
    const deployKw = Math.min(awardedKw, (signal.deployMw ?? Number.POSITIVE_INFINITY) * 1000);
    const armed = awards.flatMap((a) => a.devices).map((id) => ({ id, stepKw: this.stepKw(id) }));
    const { ids } = devicesCovering(armed, deployKw);
    state.deployment = { product, eventId: signal.eventId, deployKw, devices: ids, atMs: nowMs };
    const event = {
      ...this.event('deployed', awards, ids),
      deployMw: deployKw / 1000,
      detail: `within ${ANCILLARY_RULES[product].deploymentSeconds / 60} min`,
    };
    return options.limitPath
      ? { change: { reason: 'demand-response' }, limit: { ...signal, deployMw: deployKw / 1000 }, event }
      : { change: { reason: 'demand-response', holdDevices: ids }, event };
  }

  /**
   * The controller's order with awards armed: the deployment's devices first, the devices standing for an award in
   * force last (the minimum load the site keeps on to honour it).
   */
  order(state: AncillaryState, nowMs: number) {
    return { deployed: state.deployment?.devices ?? [], standing: this.standing(state, nowMs) };
  }

  /** The deployment's response time, seconds (products.ts), while one is in force. */
  responseSeconds(state: AncillaryState): number | undefined {
    return state.deployment ? ANCILLARY_RULES[state.deployment.product].deploymentSeconds : undefined;
  }

  /** Devices armed for an award in force that are neither deployed nor tripped: they stay on through a price hold. */
  standing(state: AncillaryState, nowMs: number): Set<string> {
    const out = new Set<string>();
    const gone = new Set([...(state.deployment?.devices ?? []), ...state.tripped]);
    for (const a of inForce(state, nowMs)) for (const d of a.devices) if (!gone.has(d)) out.add(d);
    return out;
  }

  event(
    action: AncillaryEvent['action'],
    awards: readonly ArmedAward[],
    devices: readonly string[],
    detail?: string,
  ): AncillaryEvent {
    const product = awards[0]?.award.product;
    return {
      action,
      ...(product ? { product } : {}),
      awardedMw: awards.reduce((mw, a) => mw + a.award.awardedMw, 0),
      devices,
      kw: devices.reduce((kw, id) => kw + this.stepKw(id), 0),
      ...(detail ? { detail } : {}),
    };
  }

  private stepKw(id: string): number {
    return this.figures.get(id)?.controlled.stepKw ?? 0;
  }
}

/** The armed awards in force at `nowMs`, of one product or all. */
export function inForce(state: AncillaryState, nowMs: number, product?: AwardedProduct): ArmedAward[] {
  const awards = new Set(
    awardsInForce(
      state.armed.map((a) => a.award),
      nowMs,
      product,
    ),
  );
  return state.armed.filter((a) => awards.has(a.award));
}

/** An arm command's final ack says which awards the running load could not cover in full. Pure. */
export function armingAck(ack: Ack, armed: readonly ArmedAward[]): Ack {
  const short = armed.filter((a) => a.shortKw > 0);
  if (ack.status !== 'executed' || short.length === 0) return ack;
  const detail = short
    .map(
      (a) => `${a.award.product}@${new Date(a.award.intervalStartMs).toISOString()}: short ${a.shortKw.toFixed(0)} kW`,
    )
    .join('; ')
    .slice(0, 1000);
  return { ...ack, reason: 'partially-applied', detail };
}
