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
export interface TargetInput {
  readonly devices: readonly GatewayDevice[];
  readonly mode: SiteMode;
  readonly interval?: PlanInterval;
  /** Units per group in the site model; when absent the plan's numbers are read as device counts. */
  readonly unitsPerGroup: ReadonlyMap<string, number>;
  readonly held: ReadonlySet<string>;
}

export function targetStates(input: TargetInput): Map<string, boolean> {
  const planned = input.interval ? planShares(input.interval) : undefined;
  const byGroup = new Map<string, GatewayDevice[]>();
  for (const d of input.devices) byGroup.set(d.groupId, [...(byGroup.get(d.groupId) ?? []), d]);
  const out = new Map<string, boolean>();
  for (const [groupId, devices] of byGroup) {
    const sorted = [...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const kind = sorted[0]!.kind;
    const onCount = countOn(input.mode, kind, planned?.get(groupId), input.unitsPerGroup.get(groupId), sorted.length);
    sorted.forEach((d, i) => {
      out.set(d.id, i < onCount && !input.held.has(d.id));
    });
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
