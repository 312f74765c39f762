import type { DeviceDriver, DeviceReading, DeviceResult, GatewayDevice } from '../device-port.js';

/**
 * Braiins OS+ over its public REST API (developer.braiins-os.com, v1.7): `POST /api/v1/auth/login` returns a token
 * that goes, bare, in the `Authorization` header and is refreshed by every use; `PUT /api/v1/actions/pause|resume`
 * switch mining; `PUT /api/v1/performance/power-target {watt}` sets the autotuner's power target and echoes it;
 * `GET /api/v1/miner/stats` reports power and hashrate. A 401 means the token lapsed: log in once more.
 */
export interface BraiinsDriverOptions {
  readonly username: string;
  readonly password: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
}

type Json = Record<string, unknown>;

export class BraiinsDriver implements DeviceDriver {
  private readonly tokens = new Map<string, string>();
  private readonly fetch: typeof fetch;

  constructor(private readonly options: BraiinsDriverOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>> {
    const reply = await this.call(device, 'PUT', `/api/v1/actions/${on ? 'resume' : 'pause'}`);
    if (!reply.ok) return reply;
    // The body is a boolean: whether it was already in that state. Either way the miner accepted the request.
    if (typeof reply.value !== 'boolean') return garbage(`actions reply ${JSON.stringify(reply.value)}`);
    return { ok: true, value: undefined };
  }

  /** Sets the power target; ok when the miner echoes the same target. */
  async setPowerTarget(device: GatewayDevice, watts: number): Promise<DeviceResult<void>> {
    const reply = await this.call(device, 'PUT', '/api/v1/performance/power-target', { watt: Math.round(watts) });
    if (!reply.ok) return reply;
    const echoed = (reply.value as Json | null)?.watt;
    if (typeof echoed !== 'number') return garbage('power-target reply without watt');
    if (echoed !== Math.round(watts)) {
      return { ok: false, failure: { kind: 'not-followed', detail: `asked ${Math.round(watts)} W, got ${echoed} W` } };
    }
    return { ok: true, value: undefined };
  }

  async readPowered(device: GatewayDevice): Promise<DeviceResult<boolean>> {
    const reading = await this.read(device);
    return reading.ok ? { ok: true, value: reading.value.powered } : reading;
  }

  async read(device: GatewayDevice): Promise<DeviceResult<DeviceReading>> {
    const reply = await this.call(device, 'GET', '/api/v1/miner/stats');
    if (!reply.ok) return reply;
    const stats = reply.value as Json;
    const watt = dig(stats, ['power_stats', 'approximated_consumption', 'watt']);
    const ghs = dig(stats, ['miner_stats', 'real_hashrate', 'last_5s', 'gigahash_per_second']);
    if (typeof watt !== 'number' || typeof ghs !== 'number') return garbage('miner/stats without power or hashrate');
    // The detailed status is a stream; a paused miner is one that reports no hashrate.
    const powered = ghs > 0;
    return {
      ok: true,
      value: { powered, state: powered ? 'hashing' : 'sleeping', powerW: watt, hashrateThs: ghs / 1000 },
    };
  }

  private async call(
    device: GatewayDevice,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<DeviceResult<unknown>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.token(device);
      if (!token.ok) return token;
      const response = await this.http(device, method, path, body, token.value);
      if (!response.ok) return response;
      if (response.value.status === 401) {
        this.tokens.delete(device.id);
        continue;
      }
      return parseBody(response.value);
    }
    return { ok: false, failure: { kind: 'device-error', detail: 'unauthorized after a fresh login' } };
  }

  private async token(device: GatewayDevice): Promise<DeviceResult<string>> {
    const cached = this.tokens.get(device.id);
    if (cached) return { ok: true, value: cached };
    const response = await this.http(device, 'POST', '/api/v1/auth/login', {
      username: this.options.username,
      password: this.options.password,
    });
    if (!response.ok) return response;
    const parsed = parseBody(response.value);
    if (!parsed.ok) return parsed;
    const token = (parsed.value as Json | null)?.token;
    if (typeof token !== 'string' || token === '') return garbage('login reply without token');
    this.tokens.set(device.id, token);
    return { ok: true, value: token };
  }

  private async http(
    device: GatewayDevice,
    method: string,
    path: string,
    body: unknown,
    token?: string,
  ): Promise<DeviceResult<{ status: number; text: string }>> {
    const url = `${this.options.scheme ?? 'http'}://${device.address}:${device.port}${path}`;
    try {
      const response = await this.fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: token } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
      });
      return { ok: true, value: { status: response.status, text: await response.text() } };
    } catch (error) {
      const timeout = error instanceof Error && error.name === 'TimeoutError';
      return { ok: false, failure: { kind: timeout ? 'timeout' : 'connection', detail: String(error) } };
    }
  }
}

function parseBody(response: { status: number; text: string }): DeviceResult<unknown> {
  if (response.status < 200 || response.status > 299) {
    return { ok: false, failure: { kind: 'http-status', detail: `${response.status} ${response.text.slice(0, 200)}` } };
  }
  try {
    return { ok: true, value: JSON.parse(response.text) as unknown };
  } catch {
    return garbage(response.text.slice(0, 120));
  }
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = (current as Json | null | undefined)?.[key];
  return current;
}

function garbage(detail: string): { ok: false; failure: { kind: 'garbage-reply'; detail: string } } {
  return { ok: false, failure: { kind: 'garbage-reply', detail } };
}
