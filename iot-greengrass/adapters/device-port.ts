/**
 * The port the SwitchAgent and Telemetry components drive hardware through. Each device is one ASIC (cgminer/LuxOS
 * or Braiins OS+) or one GPU node (all its GPUs together); `on` means hashing or serving at its normal power, `off`
 * means curtailed (an ASIC asleep with its control board up, a GPU node at its minimum power limit).
 */

export interface GatewayDevice {
  readonly id: string;
  readonly kind: 'asic' | 'gpu';
  /** The AsicGroup or GpuPool id of the site model. */
  readonly groupId: string;
  readonly address: string;
  readonly port: number;
}

export interface DeviceFailure {
  /** `timeout`, `connection`, `garbage-reply`, `partial-reply`, `device-error`, `http-status`, `exec`… */
  readonly kind: string;
  readonly detail: string;
}

export type DeviceResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: DeviceFailure };

/** What a device reports about itself, as telemetry publishes it. */
export interface DeviceReading {
  readonly powered: boolean;
  readonly state: 'hashing' | 'sleeping' | 'waking' | 'serving' | 'idle' | 'off';
  readonly powerW: number;
  readonly hashrateThs?: number;
  readonly utilizationPct?: number;
  readonly temperatureC?: number;
  readonly memoryUsedMb?: number;
  /** GPUs behind the reading (a node's GPUs read as one). */
  readonly gpuCount?: number;
}

export interface DeviceDriver {
  /** Sends the switch; ok only when the device's own protocol reply accepts it. */
  setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>>;
  /** Reads back the commanded state from the device (LuxOS `CurtailMode`, the GPU power limit). */
  readPowered(device: GatewayDevice): Promise<DeviceResult<boolean>>;
  read(device: GatewayDevice): Promise<DeviceResult<DeviceReading>>;
  /** Sets a running device's power target (an ASIC's profile); absent where the hardware has none. */
  setPowerTarget?(device: GatewayDevice, watts: number): Promise<DeviceResult<void>>;
  /**
   * Readies the next switch of these devices off the signal's path (LuxOS: sessions logged on or renewed, requests
   * serialised), `concurrency` at a time; resolves with how many devices it contacted. Absent where there is nothing
   * to prepare.
   */
  prepare?(devices: readonly GatewayDevice[], concurrency: number): Promise<number>;
}

/** Routes each device to the driver of its kind. */
export function driverByKind(drivers: { readonly asic: DeviceDriver; readonly gpu: DeviceDriver }): DeviceDriver {
  return {
    setPowered: (device, on) => drivers[device.kind].setPowered(device, on),
    readPowered: (device) => drivers[device.kind].readPowered(device),
    read: (device) => drivers[device.kind].read(device),
    setPowerTarget: async (device, watts) => {
      const driver = drivers[device.kind];
      if (!driver.setPowerTarget)
        return { ok: false, failure: { kind: 'unsupported', detail: `${device.kind} power target` } };
      return driver.setPowerTarget(device, watts);
    },
    prepare: async (devices, concurrency) => {
      const contacted = await Promise.all(
        (['asic', 'gpu'] as const).map(
          (kind) =>
            drivers[kind].prepare?.(
              devices.filter((d) => d.kind === kind),
              concurrency,
            ) ?? 0,
        ),
      );
      return contacted[0]! + contacted[1]!;
    },
  };
}
