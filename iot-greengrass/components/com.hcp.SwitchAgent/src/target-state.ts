import type { SiteMode } from '../../../../core/messages/command.js';
import type { PlanInterval } from '../../../../core/model/plan.js';
import type { GatewayDevice } from '../../../adapters/device-port.js';

/**
 * The on/off state every device should be in, from the mode, the plan interval in force and the held devices. Pure.
 *
 * The plan speaks in the site model's units (`unitsOn` of a group of `unitCount`); a gateway may see a different
 * number of devices (a partial fleet, a simulator), so it keeps the same share of its own devices on: the first ones by
 * id, which keeps the choice stable from one interval to the next.
 */
/** A device's target: on or off and, for a running ASIC whose plan sets one, its per-unit power target. */
export interface DeviceTarget {
  readonly on: boolean;
  readonly powerW?: number;
}

/** Shared by every device with no power target: a pass allocates nothing per device. */
export const TARGET_ON: DeviceTarget = Object.freeze({ on: true });
export const TARGET_OFF: DeviceTarget = Object.freeze({ on: false });

export interface TargetInput {
  readonly devices: readonly GatewayDevice[];
  /** `devices` by group in switching order (`devicesInOrder`), when the caller keeps them. */
  readonly groups?: ReadonlyMap<string, readonly GatewayDevice[]>;
  readonly mode: SiteMode;
  readonly interval?: PlanInterval;
  /** Units per group in the site model; when absent the plan's numbers are read as device counts. */
  readonly unitsPerGroup: ReadonlyMap<string, number>;
  /** Per-unit draw of an asleep ASIC by group (the site model's `sleepPowerW`); 0 when absent. */
  readonly sleepPowerWByGroup?: ReadonlyMap<string, number>;
  /**
   * Groups the site cannot switch (the site model's `alwaysOn`: stock cgminer, monitoring only): always on, at their
   * own setting, whatever the mode, the plan or a hold says.
   */
  readonly alwaysOnGroups?: ReadonlySet<string>;
  readonly held: ReadonlySet<string>;
}

export function targetStates(input: TargetInput): Map<string, DeviceTarget> {
  const planned = input.interval ? planShares(input.interval) : undefined;
  const powerByGroup = input.interval ? unitPowerTargets(input) : new Map<string, number>();
  const out = new Map<string, DeviceTarget>();
  for (const [groupId, sorted] of input.groups ?? devicesInOrder(input.devices)) {
    if (input.alwaysOnGroups?.has(groupId)) {
      for (const d of sorted) out.set(d.id, TARGET_ON);
      continue;
    }
    const kind = sorted[0]!.kind;
    const onCount = countOn(input.mode, kind, planned?.get(groupId), input.unitsPerGroup.get(groupId), sorted.length);
    // Power targets follow the plan only in plan mode; a mode override runs devices at their own settings.
    const powerW = input.mode === 'plan' ? powerByGroup.get(groupId) : undefined;
    const running = powerW === undefined ? TARGET_ON : { on: true, powerW };
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i]!.id;
      out.set(id, i < onCount && !input.held.has(id) ? running : TARGET_OFF);
    }
  }
  return out;
}

/** The devices of each group in the order a group's share is taken from (by id, stable across intervals). */
export function devicesInOrder(devices: readonly GatewayDevice[]): Map<string, GatewayDevice[]> {
  const byGroup = new Map<string, GatewayDevice[]>();
  for (const d of devices) {
    const group = byGroup.get(d.groupId);
    if (group) group.push(d);
    else byGroup.set(d.groupId, [d]);
  }
  for (const group of byGroup.values()) group.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return byGroup;
}

/**
 * Per running unit: the group's power target covers asleep units too (core/model/plan.ts), so their sleep draw comes
 * off before dividing. A zero target means the plan sets none.
 */
function unitPowerTargets(input: TargetInput): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of input.interval?.asicGroups ?? []) {
    if (g.powerTargetKw <= 0 || g.unitsOn <= 0) continue;
    const units = input.unitsPerGroup.get(g.groupId) ?? g.unitsOn;
    const sleepW = (units - g.unitsOn) * (input.sleepPowerWByGroup?.get(g.groupId) ?? 0);
    const perUnitW = (g.powerTargetKw * 1000 - sleepW) / g.unitsOn;
    if (perUnitW > 0) out.set(g.groupId, perUnitW);
  }
  return out;
}

function planShares(interval: PlanInterval): Map<string, number> {
  return new Map([
    ...interval.asicGroups.map((g) => [g.groupId, g.unitsOn] as const),
    ...interval.gpuPools.map((p) => [p.poolId, p.gpusPowered] as const),
  ]);
}

function countOn(
  mode: SiteMode,
  kind: 'asic' | 'gpu',
  plannedUnits: number | undefined,
  modelUnits: number | undefined,
  devices: number,
): number {
  if (mode === 'all-off') return 0;
  if (mode === 'all-on') return devices;
  if (kind === 'asic' && (mode === 'gpu-only' || mode === 'curtail-asics')) return 0;
  if (kind === 'gpu' && mode === 'gpu-only') return devices;
  // Plan mode, and GPUs under curtail-asics: follow the plan; a group the plan does not name keeps running.
  if (plannedUnits === undefined) return devices;
  const share = modelUnits && modelUnits > 0 ? plannedUnits / modelUnits : plannedUnits / devices;
  return Math.min(devices, Math.round(Math.min(1, share) * devices));
}
