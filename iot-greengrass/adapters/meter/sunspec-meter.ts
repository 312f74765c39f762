import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { SiteMeter } from '../../../core/fleet/site-config.js';
import type { DeviceResult } from '../device-port.js';
import {
  COMMON_MODEL_ID,
  decodeMeterBody,
  END_MODEL_ID,
  METER_MODEL_IDS,
  METER_READ_LENGTH,
  type MeterValues,
  SUNSPEC_BASE,
  SUNSPEC_MARKER,
} from './sunspec.js';

/** The port the SwitchAgent reads the site's revenue meter through. */
export interface SiteMeterPort {
  /** One reading; a failure is `down` (no answer, connection refused, Modbus exception) or `garbage` (bad values). */
  read(): Promise<DeviceResult<MeterValues>>;
  close(): Promise<void>;
}

export interface SunSpecMeterOptions {
  readonly host: string;
  /** @default 502 */
  readonly port?: number;
  /** @default 1 */
  readonly unitId?: number;
  /** Per request, connect included. @default 500 */
  readonly timeoutMs?: number;
}

/** Modbus TCP's registered port (Modbus Organization, MODBUS Messaging on TCP/IP Implementation Guide 1.0b). */
const MODBUS_TCP_PORT = 502;

/** The SunSpec meter a site configuration names (`host[:port]` and unit id), or none when it names no meter. */
export function siteMeterOptions(
  meter: Pick<SiteMeter, 'address' | 'unitId'> | undefined,
  timeoutMs: number,
): SunSpecMeterOptions | undefined {
  if (!meter) return undefined;
  const [host, port] = meter.address.split(':');
  return { host: host!, port: port ? Number(port) : MODBUS_TCP_PORT, unitId: meter.unitId, timeoutMs };
}

/**
 * modbus-serial is CommonJS whose `module.exports` is the client class; its typings declare it as `default`, which
 * NodeNext reads as a property. The class, typed as what it is.
 */
export const ModbusClient = modbusSerial as unknown as typeof ModbusRTU;

/** Models walked before giving up on finding a meter model. */
const MAX_MODELS = 16;

/**
 * A SunSpec meter (models 201-204) over Modbus TCP with modbus-serial. Connects lazily, finds the meter model by
 * walking the SunSpec chain once per connection, then reads its body in one request (power, frequency and the import
 * accumulator come from the same instant). A failed request drops the connection; the next read reconnects.
 */
export class SunSpecMeter implements SiteMeterPort {
  private client: ModbusRTU | undefined;
  private bodyAddress: number | undefined;

  constructor(private readonly options: SunSpecMeterOptions) {}

  async read(): Promise<DeviceResult<MeterValues>> {
    try {
      const client = await this.connect();
      this.bodyAddress ??= await this.findMeterModel(client);
      const { data } = await client.readHoldingRegisters(this.bodyAddress, METER_READ_LENGTH);
      const decoded = decodeMeterBody(data);
      if (!decoded.ok) return { ok: false, failure: { kind: 'garbage', detail: decoded.detail } };
      return { ok: true, value: decoded.values };
    } catch (error) {
      await this.close();
      const detail = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        failure: { kind: /not a sunspec|no meter model/i.test(detail) ? 'garbage' : 'down', detail },
      };
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.bodyAddress = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }

  private async connect(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    const client = new ModbusClient();
    client.setTimeout(this.options.timeoutMs ?? 500);
    await client.connectTCP(this.options.host, { port: this.options.port ?? 502 });
    client.setID(this.options.unitId ?? 1);
    this.client = client;
    return client;
  }

  private async findMeterModel(client: ModbusRTU): Promise<number> {
    const marker = await client.readHoldingRegisters(SUNSPEC_BASE, 2);
    if (marker.data[0] !== SUNSPEC_MARKER[0] || marker.data[1] !== SUNSPEC_MARKER[1]) {
      throw new Error(`not a SunSpec device: 40000 holds ${marker.data.join(',')}`);
    }
    let address = SUNSPEC_BASE + 2;
    for (let i = 0; i < MAX_MODELS; i++) {
      const [id, length] = (await client.readHoldingRegisters(address, 2)).data;
      if (id === undefined || length === undefined || id === END_MODEL_ID) break;
      if ((METER_MODEL_IDS as readonly number[]).includes(id)) return address + 2;
      if (i === 0 && id !== COMMON_MODEL_ID) throw new Error(`not a SunSpec device: first model is ${id}`);
      address += 2 + length;
    }
    throw new Error('no meter model (201-204) in the SunSpec chain');
  }
}
