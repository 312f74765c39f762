import { z } from 'zod';
import { controllerPolicyDefaults } from '../../../../core/power/site-power-controller.js';

const fraction = z.number().min(0).max(0.5);

/** The site power controller's part of the SwitchAgent configuration. */
export const sitePowerConfigSchema = z.strictObject({
  /**
   * The revenue meter (SunSpec model 201-204 over Modbus TCP) of a gateway given its devices directly (startGateway).
   * A gateway on its site configuration takes the meter from it (GatewayConfig.meter): the recipe names none.
   */
  meter: z
    .strictObject({
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65_535).default(502),
      unitId: z.number().int().min(0).max(255).default(1),
      timeoutMs: z.number().int().positive().max(10_000).default(500),
    })
    .optional(),
  /** Per meter request, connect included, for the site configuration's meter. */
  meterTimeoutMs: z.number().int().positive().max(10_000).default(500),
  /** Meter read and control step period. */
  periodMs: z.number().int().positive().default(1_000),
  /** A meter reading older than this is not believed (the next fallback is used). */
  meterMaxAgeMs: z.number().int().positive().default(3_000),
  /** A meter whose readings are above this multiple of the interconnect limit is sending garbage. */
  meterPlausibleLimitFactor: z.number().min(1).max(10).default(2),
  /** Device readings, the first fallback: how fresh, and the share of devices that must have answered. */
  deviceMaxAgeMs: z.number().int().positive().default(5_000),
  minDeviceCoverage: z.number().min(0).max(1).default(0.9),
  marginFraction: fraction.default(controllerPolicyDefaults.marginFraction),
  hysteresisFraction: fraction.default(controllerPolicyDefaults.hysteresisFraction),
  responseSeconds: z.number().positive().max(60).default(controllerPolicyDefaults.responseSeconds),
  restoreStepKw: z.number().positive().optional(),
  restoreIntervalMs: z.number().int().nonnegative().default(controllerPolicyDefaults.restoreIntervalMs),
  /** A lowered power target stays at least this long before it is raised again. */
  minTrimMs: z.number().int().nonnegative().default(controllerPolicyDefaults.minTrimMs),
  confirmOverTargetMs: z.number().int().nonnegative().default(controllerPolicyDefaults.confirmOverTargetMs),
  /** The plan's site power for the interval is a limit too, this far above its estimate; absent: the plan is no limit. */
  planHeadroomFraction: fraction.optional(),
  /** An operator's cap on the site's facility power. */
  operatorLimitKw: z.number().positive().optional(),
  /** The plan lets flex GPU work yield to the limit after every ASIC. Serving GPUs are never cut otherwise. */
  gpuMayYield: z.boolean().default(false),
});
export type SitePowerConfig = z.infer<typeof sitePowerConfigSchema>;
