import modbusSerial, { type IServiceVector, type ServerTCP } from 'modbus-serial';
import type { Site } from '../../../core/model/site.js';
import type { Clock } from '../../../core/support/clock.js';
import { normal, seededRng } from '../../../core/support/random.js';
import { encodeMeterImage, NOT_IMPLEMENTED, SUNSPEC_BASE } from '../../../iot-greengrass/adapters/meter/sunspec.js';
import { findFreePort } from '../../local/free-port.js';
import type { VirtualFleet } from '../fleet.js';

/** What a test or the local platform can break: no answer, a frozen register image, values a meter never means. */
export type MeterFault = 'down' | 'stale' | 'garbage';

export interface VirtualMeterOptions {
  readonly clock: Clock;
  /** The site's IT power now, in W (the devices' own draw before facility overhead). */
  readonly itPowerW: () => number;
  /** Facility power over IT power: cooling and conversion on the meter's side. */
  readonly pue: number;
  /** Fixes the power scale factor, as a real meter's CT ratio does. */
  readonly ratedW: number;
  /**
   * Standard deviation of each reading around the true power, as a fraction. 0.2% by default: an accuracy class 0.2S
   * revenue meter (IEC 62053-22) is within ±0.2% at rated current; fans and PSUs add their own jitter.
   */
  readonly noiseFraction?: number;
  readonly seed?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default a free port */
  readonly port?: number;
}

export interface VirtualMeter {
  readonly host: string;
  readonly port: number;
  /** The true facility power now (no noise): ground truth for tests. */
  truePowerW(): number;
  setFault(fault: MeterFault | undefined): void;
  close(): Promise<void>;
}

/**
 * The site's revenue meter as a SunSpec model 203 device over Modbus TCP (modbus-serial's server): facility power is
 * the devices' IT power × the site's overhead, with noise; the import accumulator integrates it between reads.
 */
export async function startVirtualMeter(options: VirtualMeterOptions): Promise<VirtualMeter> {
  const { clock } = options;
  const rng = seededRng(options.seed ?? 1);
  const noise = options.noiseFraction ?? 0.002;
  const truePowerW = () => options.itPowerW() * options.pue;
  let importedWh = 0;
  let lastMs = clock.nowMs();
  let lastPowerW = truePowerW();
  let fault: MeterFault | undefined;
  let frozen: number[] | undefined;
  const image = (): number[] => {
    const nowMs = clock.nowMs();
    const powerW = truePowerW();
    importedWh += ((powerW + lastPowerW) / 2) * ((nowMs - lastMs) / 3_600_000);
    lastMs = nowMs;
    lastPowerW = powerW;
    const measuredW = powerW * (1 + noise * normal(rng));
    return encodeMeterImage({ powerW: measuredW, frequencyHz: 60, importedWh }, options.ratedW);
  };
  const registers = (address: number, length: number): number[] => {
    if (fault === 'stale' && !frozen) frozen = image();
    const all = fault === 'stale' && frozen ? [...frozen] : image();
    // The meter model's body from its first point (70 = marker 2 + common 2 + 66, then id and length).
    if (fault === 'garbage') all.fill(NOT_IMPLEMENTED, 72, all.length - 2);
    const start = address - SUNSPEC_BASE;
    return Array.from({ length }, (_, i) => all[start + i] ?? 0);
  };
  const vector: IServiceVector = {
    getMultipleHoldingRegisters: (
      address: number,
      length: number,
      _unit: number,
      cb: (e: Error | null, v: number[]) => void,
    ) => {
      // A meter that is down does not answer: the gateway's request times out.
      if (fault === 'down') return;
      cb(null, registers(address, length));
    },
    getHoldingRegister: (address: number) => registers(address, 1)[0] ?? 0,
  };
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await listenModbus(vector, host, options.port);
  return {
    host,
    port,
    truePowerW,
    setFault: (next) => {
      fault = next;
      if (next !== 'stale') frozen = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of server.socks.keys()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type ModbusServer = InstanceType<typeof ServerTCP>;

/**
 * modbus-serial's server reads port 0 as "the Modbus port" (502), so a free port is found first; another process can
 * take it before the bind, which a second try absorbs.
 */
async function listenModbus(
  vector: IServiceVector,
  host: string,
  fixedPort: number | undefined,
): Promise<{ server: ModbusServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await findFreePort(host));
    const server = new (modbusSerial as unknown as { ServerTCP: typeof ServerTCP }).ServerTCP(vector, {
      host,
      port,
      unitID: 1,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.on('initialized', () => resolve());
        server.on('serverError', reject);
      });
      return { server, port };
    } catch (error) {
      if (fixedPort !== undefined || attempt >= 3) throw error;
    }
  }
}

/**
 * A meter on a virtual fleet: every miner's and GPU's draw, each virtual device standing for `unitsPerDevice` of the
 * site model's units of its group (1 when absent).
 */
export function fleetItPowerW(fleet: VirtualFleet, unitsPerDevice?: ReadonlyMap<string, number>): () => number {
  const weight = (groupId: string) => unitsPerDevice?.get(groupId) ?? 1;
  return () => {
    let watts = 0;
    for (const m of fleet.miners) watts += m.context.physics.powerW() * weight(m.item.groupId);
    for (const g of fleet.gpuNodes) {
      let nodeW = 0;
      for (const r of g.node.readings()) nodeW += r.powerDrawW;
      watts += nodeW * weight(g.node.pool.id);
    }
    return watts;
  };
}

/** A meter for a site's virtual fleet, rated at 1.5 × the interconnect limit. */
export function startSiteMeter(
  site: Pick<Site, 'pue' | 'interconnectLimitMw'>,
  fleet: VirtualFleet,
  clock: Clock,
  options: { readonly unitsPerDevice?: ReadonlyMap<string, number>; readonly seed?: number } = {},
): Promise<VirtualMeter> {
  return startVirtualMeter({
    clock,
    itPowerW: fleetItPowerW(fleet, options.unitsPerDevice),
    pue: site.pue,
    ratedW: site.interconnectLimitMw * 1e6 * 1.5,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}
