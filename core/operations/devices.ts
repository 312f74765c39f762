import { z } from 'zod';
import { deviceMetricSchema } from '../messages/telemetry.js';
import type { Site } from '../model/site.js';
import { idSchema, isoInstantSchema } from '../support/schema.js';

/**
 * The resource manager's view of a site's hardware: each device's latest sample (as the telemetry path keeps it) and
 * one summary per configured device group, so an operator sees at a glance which groups run, sleep or stopped
 * reporting.
 */

/** A device's newest sample; `at` is when the device was last seen. */
export const deviceLatestStateSchema = deviceMetricSchema.extend({ gatewayId: idSchema.optional() });
export type DeviceLatestState = z.infer<typeof deviceLatestStateSchema>;

export const groupSummarySchema = z.object({
  groupId: idSchema,
  kind: z.enum(['asic', 'gpu']),
  /** Units the site is configured with (ASIC unitCount, GPU count). */
  configuredUnits: z.number().int().nonnegative(),
  /** Devices with a latest state. */
  reportingUnits: z.number().int().nonnegative(),
  /** Reporting devices per state, e.g. `{ hashing: 40, sleeping: 8 }`. */
  unitsByState: z.record(z.string(), z.number().int().nonnegative()),
  powerKw: z.number().nonnegative(),
  hashrateThs: z.number().nonnegative().optional(),
  meanUtilizationPct: z.number().min(0).max(100).optional(),
  lastSeenAt: isoInstantSchema.optional(),
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);
const defined = <T>(values: ReadonlyArray<T | undefined>): T[] => values.filter((v): v is T => v !== undefined);

/** One group's summary over the devices that reported for it. */
export function summarizeGroup(
  group: { readonly groupId: string; readonly kind: 'asic' | 'gpu'; readonly configuredUnits: number },
  devices: readonly DeviceLatestState[],
): GroupSummary {
  const unitsByState: Record<string, number> = {};
  for (const device of devices) unitsByState[device.state] = (unitsByState[device.state] ?? 0) + 1;
  const hashrates = defined(devices.map((d) => d.hashrateThs));
  const utilisations = defined(devices.map((d) => d.utilizationPct));
  const lastSeenMs = Math.max(...devices.map((d) => Date.parse(d.at)));
  return {
    ...group,
    reportingUnits: devices.length,
    unitsByState,
    powerKw: sum(devices.map((d) => d.powerW)) / 1000,
    ...(hashrates.length > 0 ? { hashrateThs: sum(hashrates) } : {}),
    ...(utilisations.length > 0 ? { meanUtilizationPct: sum(utilisations) / utilisations.length } : {}),
    ...(devices.length > 0 ? { lastSeenAt: new Date(lastSeenMs).toISOString() } : {}),
  };
}

/**
 * Every configured group of `site`, in configuration order, then any group that reports but is not configured (a
 * miner moved between racks before the fleet file was updated): nothing a gateway reports is hidden.
 */
export function summarizeGroups(site: Site, devices: readonly DeviceLatestState[]): GroupSummary[] {
  const byGroup = new Map<string, DeviceLatestState[]>();
  for (const device of devices) byGroup.set(device.groupId, [...(byGroup.get(device.groupId) ?? []), device]);
  const configured = [
    ...site.asicGroups.map((g) => ({ groupId: g.id, kind: 'asic' as const, configuredUnits: g.unitCount })),
    ...site.gpuPools.map((p) => ({ groupId: p.id, kind: 'gpu' as const, configuredUnits: p.count })),
  ];
  const known = new Set(configured.map((g) => g.groupId));
  const unconfigured = [...byGroup.entries()]
    .filter(([groupId]) => !known.has(groupId))
    .map(([groupId, members]) => ({ groupId, kind: members[0]!.kind, configuredUnits: 0 }));
  return [...configured, ...unconfigured].map((group) => summarizeGroup(group, byGroup.get(group.groupId) ?? []));
}
