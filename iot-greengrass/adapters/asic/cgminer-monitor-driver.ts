import type { DeviceDriver, DeviceReading, DeviceResult, GatewayDevice } from '../device-port.js';
import { type CgminerRequestOptions, request, section } from './cgminer-client.js';

/**
 * Stock cgminer (a miner on its maker's firmware): the API reports (`summary`) but has no command to sleep a miner or
 * change its power, so the group is monitoring only. Switching it on is a no-op (it always hashes); switching it off
 * or setting a target is refused as `unsupported`. The optimizer treats such a group as always on
 * (`controllable: false` in the site's gateway configuration), so the plan never asks for either.
 *
 * Stock cgminer reports no power draw: the reading estimates it from the hashrate at the model's stock efficiency
 * (`joulesPerTh`, from the hardware catalog), which is what the unit draws at the only setting it has.
 */
export interface CgminerMonitorDriverOptions extends CgminerRequestOptions {
  /** Stock efficiency of the group's model, by group id: W = TH/s × J/TH. */
  readonly joulesPerThByGroup: Readonly<Record<string, number>>;
}

export class CgminerMonitorDriver implements DeviceDriver {
  constructor(private readonly options: CgminerMonitorDriverOptions) {}

  async setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>> {
    if (on) return { ok: true, value: undefined };
    return unsupported(device, 'sleep');
  }

  async setPowerTarget(device: GatewayDevice): Promise<DeviceResult<void>> {
    return unsupported(device, 'a power target');
  }

  async readPowered(device: GatewayDevice): Promise<DeviceResult<boolean>> {
    const reading = await this.read(device);
    return reading.ok ? { ok: true, value: reading.value.powered } : reading;
  }

  async read(device: GatewayDevice): Promise<DeviceResult<DeviceReading>> {
    const reply = await request(device, 'summary', undefined, this.options);
    if (!reply.ok) return reply;
    const mhs = section(reply.value, 'SUMMARY')?.['MHS 5s'];
    if (typeof mhs !== 'number') {
      return { ok: false, failure: { kind: 'garbage-reply', detail: 'summary without MHS 5s' } };
    }
    const hashrateThs = mhs / 1e6;
    const joulesPerTh = this.options.joulesPerThByGroup[device.groupId] ?? 0;
    const powered = hashrateThs > 0;
    return {
      ok: true,
      value: { powered, state: powered ? 'hashing' : 'off', powerW: hashrateThs * joulesPerTh, hashrateThs },
    };
  }
}

function unsupported(device: GatewayDevice, what: string): { ok: false; failure: { kind: string; detail: string } } {
  return {
    ok: false,
    failure: { kind: 'unsupported', detail: `${device.id}: stock cgminer cannot take ${what} (monitoring only)` },
  };
}
