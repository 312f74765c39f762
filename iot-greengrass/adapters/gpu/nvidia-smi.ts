import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { DeviceDriver, DeviceReading, DeviceResult, GatewayDevice } from '../device-port.js';

/**
 * GPU power control through `nvidia-smi`: `--query-gpu=… --format=csv,noheader,nounits` to read, `-pl W` to set the
 * power limit. A node is `on` at its default limit and `off` (curtailed) at its minimum limit: the GPUs stay powered
 * with their models loaded, so a restore is a limit change, not a cold start.
 */

export const QUERY_FIELDS = [
  'index',
  'power.draw',
  'power.limit',
  'power.min_limit',
  'power.default_limit',
  'utilization.gpu',
  'memory.used',
  'temperature.gpu',
] as const;

export interface GpuRow {
  readonly index: number;
  readonly powerDrawW: number;
  readonly powerLimitW: number;
  readonly minPowerLimitW: number;
  readonly defaultPowerLimitW: number;
  readonly utilizationPct: number;
  readonly memoryUsedMib: number;
  readonly temperatureC: number;
}

/** Parses `--format=csv,noheader,nounits` output for QUERY_FIELDS; a malformed line fails the whole read. */
export function parseGpuCsv(text: string): DeviceResult<GpuRow[]> {
  const rows: GpuRow[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const cells = line.split(',').map((c) => Number(c.trim()));
    // `[N/A]` or `[Not Supported]` parse as NaN: a GPU that cannot report its power cannot be controlled either.
    if (cells.length !== QUERY_FIELDS.length || cells.some((c) => !Number.isFinite(c))) {
      return { ok: false, failure: { kind: 'garbage-reply', detail: `nvidia-smi line "${line.slice(0, 120)}"` } };
    }
    const [index, draw, limit, min, def, util, mem, temp] = cells as [number, ...number[]];
    rows.push({
      index,
      powerDrawW: draw!,
      powerLimitW: limit!,
      minPowerLimitW: min!,
      defaultPowerLimitW: def!,
      utilizationPct: util!,
      memoryUsedMib: mem!,
      temperatureC: temp!,
    });
  }
  if (rows.length === 0) return { ok: false, failure: { kind: 'garbage-reply', detail: 'nvidia-smi listed no GPU' } };
  return { ok: true, value: rows };
}

/** How nvidia-smi is reached: its flags in, its stdout out. */
export interface NvidiaSmiTransport {
  query(device: GatewayDevice, fields: string): Promise<DeviceResult<string>>;
  setPowerLimit(device: GatewayDevice, watts: number): Promise<DeviceResult<string>>;
}

export interface ExecTransportOptions {
  /**
   * The command and leading arguments, e.g. `['nvidia-smi']` or the simulator's shim
   * `['npx', 'tsx', 'sim/devices/nvidia-smi-shim.ts', '--endpoint=http://{address}:{port}']`; `{address}` and `{port}`
   * are replaced by the device's (GPU nodes are other hosts: e.g. `['ssh', '{address}', 'nvidia-smi']`).
   * @default the real binary when /usr/bin/nvidia-smi exists
   */
  readonly command?: readonly string[];
  /** @default 5000 */
  readonly timeoutMs?: number;
}

const REAL_BINARY = '/usr/bin/nvidia-smi';

/** Runs the binary (or a stand-in with the same flags). On a GPU host each node is its own gateway-local binary. */
export function execTransport(options: ExecTransportOptions = {}): NvidiaSmiTransport {
  const command = options.command ?? (existsSync(REAL_BINARY) ? [REAL_BINARY] : undefined);
  const run = (device: GatewayDevice, args: string[]) =>
    new Promise<DeviceResult<string>>((resolve) => {
      // A site without GPUs needs no binary; a GPU device on such a gateway fails as a value, not at start-up.
      if (!command || command.length === 0) {
        resolve({
          ok: false,
          failure: { kind: 'exec', detail: `no ${REAL_BINARY} and no nvidiaSmiCommand configured` },
        });
        return;
      }
      const [file, ...lead] = command.map((part) =>
        part.replaceAll('{address}', device.address).replaceAll('{port}', String(device.port)),
      );
      execFile(file!, [...lead, ...args], { timeout: options.timeoutMs ?? 5000 }, (error, stdout, stderr) => {
        if (error) resolve({ ok: false, failure: { kind: 'exec', detail: `${error.message} ${stderr}`.trim() } });
        else resolve({ ok: true, value: stdout });
      });
    });
  return {
    query: (device, fields) => run(device, [`--query-gpu=${fields}`, '--format=csv,noheader,nounits']),
    setPowerLimit: (device, watts) => run(device, ['-pl', String(watts)]),
  };
}

/** The virtual GPU node's HTTP face of the same commands (`GET /nvidia-smi`, `POST /nvidia-smi/power-limit`). */
export function httpTransport(options: { readonly timeoutMs?: number } = {}): NvidiaSmiTransport {
  const call = async (url: string, method: 'GET' | 'POST'): Promise<DeviceResult<string>> => {
    try {
      const response = await fetch(url, { method, signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
      const text = await response.text();
      if (!response.ok) return { ok: false, failure: { kind: 'http-status', detail: `${response.status} ${text}` } };
      return { ok: true, value: text };
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError';
      return { ok: false, failure: { kind: timeout ? 'timeout' : 'connection', detail: String(error) } };
    }
  };
  const base = (d: GatewayDevice) => `http://${d.address}:${d.port}`;
  return {
    query: (device, fields) =>
      call(`${base(device)}/nvidia-smi?query-gpu=${fields}&format=csv,noheader,nounits`, 'GET'),
    setPowerLimit: (device, watts) => call(`${base(device)}/nvidia-smi/power-limit?pl=${watts}`, 'POST'),
  };
}

export class NvidiaSmiDriver implements DeviceDriver {
  /** Limits do not change while a node runs: read once per node. */
  private readonly limits = new Map<string, { minW: number; defaultW: number }>();

  constructor(private readonly transport: NvidiaSmiTransport) {}

  async rows(device: GatewayDevice): Promise<DeviceResult<GpuRow[]>> {
    const text = await this.transport.query(device, QUERY_FIELDS.join(','));
    if (!text.ok) return text;
    const rows = parseGpuCsv(text.value);
    if (rows.ok) {
      const first = rows.value[0]!;
      this.limits.set(device.id, { minW: first.minPowerLimitW, defaultW: first.defaultPowerLimitW });
    }
    return rows;
  }

  async setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>> {
    let limits = this.limits.get(device.id);
    if (!limits) {
      const rows = await this.rows(device);
      if (!rows.ok) return rows;
      limits = this.limits.get(device.id)!;
    }
    const reply = await this.transport.setPowerLimit(device, on ? limits.defaultW : limits.minW);
    if (!reply.ok) return reply;
    // nvidia-smi answers "Power limit for GPU … was set to …" per GPU; anything else is a refusal.
    if (!/was set to/i.test(reply.value)) {
      return { ok: false, failure: { kind: 'device-error', detail: reply.value.slice(0, 200) } };
    }
    return { ok: true, value: undefined };
  }

  async readPowered(device: GatewayDevice): Promise<DeviceResult<boolean>> {
    const rows = await this.rows(device);
    if (!rows.ok) return rows;
    return { ok: true, value: rows.value.every((r) => r.powerLimitW > r.minPowerLimitW) };
  }

  async read(device: GatewayDevice): Promise<DeviceResult<DeviceReading>> {
    const rows = await this.rows(device);
    if (!rows.ok) return rows;
    return { ok: true, value: nodeReading(rows.value) };
  }
}

/** A node's GPUs as one reading: summed power and memory, mean utilization, hottest temperature. */
export function nodeReading(rows: readonly GpuRow[]): DeviceReading {
  const sum = (f: (r: GpuRow) => number) => rows.reduce((total, r) => total + f(r), 0);
  const utilizationPct = sum((r) => r.utilizationPct) / rows.length;
  const powered = rows.every((r) => r.powerLimitW > r.minPowerLimitW);
  return {
    powered,
    state: utilizationPct > 0 ? 'serving' : 'idle',
    powerW: sum((r) => r.powerDrawW),
    utilizationPct,
    temperatureC: Math.max(...rows.map((r) => r.temperatureC)),
    memoryUsedMb: sum((r) => r.memoryUsedMib) * 1.048576,
    gpuCount: rows.length,
  };
}
