import type { DeviceDriver, DeviceReading, DeviceResult, GatewayDevice } from '../device-port.js';
import { type CgminerReply, type CgminerRequestOptions, request, section, subReply } from './cgminer-client.js';

/**
 * LuxOS control over the cgminer API: `curtail <session>,sleep|wakeup` to switch, `power` (`CurtailMode`, `State`,
 * `Watts`) to confirm. LuxOS allows one session per miner and expires it after a minute idle, so the driver keeps the
 * id per miner, logs on again when the miner says the id is invalid, and adopts the active session (`session`) when a
 * previous gateway process left one open.
 */
export interface LuxosDriverOptions extends CgminerRequestOptions {}

export class LuxosDriver implements DeviceDriver {
  private readonly sessions = new Map<string, string>();

  constructor(private readonly options: LuxosDriverOptions = {}) {}

  async setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>> {
    const reply = await this.write(device, 'curtail', on ? 'wakeup' : 'sleep');
    return reply.ok ? { ok: true, value: undefined } : reply;
  }

  async setProfile(device: GatewayDevice, profile: string): Promise<DeviceResult<void>> {
    const reply = await this.write(device, 'profileset', profile);
    return reply.ok ? { ok: true, value: undefined } : reply;
  }

  /** LuxOS picks the profile nearest to a `<W>W` selector. */
  setPowerTarget(device: GatewayDevice, watts: number): Promise<DeviceResult<void>> {
    return this.setProfile(device, `${Math.round(watts)}W`);
  }

  async readPowered(device: GatewayDevice): Promise<DeviceResult<boolean>> {
    const reply = await request(device, 'power', undefined, this.options);
    if (!reply.ok) return reply;
    const mode = section(reply.value, 'POWER')?.CurtailMode;
    if (mode !== 'None' && mode !== 'Sleep') return garbage(`POWER[0].CurtailMode is ${String(mode)}`);
    return { ok: true, value: mode === 'None' };
  }

  async read(device: GatewayDevice): Promise<DeviceResult<DeviceReading>> {
    const reply = await request(device, 'summary+power', undefined, this.options);
    if (!reply.ok) return reply;
    return readingFromReply(reply.value);
  }

  /** A session-bound write: logs on when needed and once more if the miner dropped the session. */
  private async write(device: GatewayDevice, command: string, argument: string): Promise<DeviceResult<CgminerReply>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = await this.session(device);
      if (!session.ok) return session;
      const reply = await request(device, command, `${session.value},${argument}`, this.options);
      if (reply.ok || reply.failure.kind !== 'device-error' || !/invalid session/i.test(reply.failure.detail)) {
        return reply;
      }
      this.sessions.delete(device.id);
    }
    return { ok: false, failure: { kind: 'device-error', detail: 'Invalid session ID after a fresh logon' } };
  }

  private async session(device: GatewayDevice): Promise<DeviceResult<string>> {
    const cached = this.sessions.get(device.id);
    if (cached !== undefined) return { ok: true, value: cached };
    let reply = await request(device, 'logon', undefined, this.options);
    if (!reply.ok && reply.failure.kind === 'device-error') {
      // Another session is active (ours, from before a restart): `session` names it.
      reply = await request(device, 'session', undefined, this.options);
    }
    if (!reply.ok) return reply;
    const id = section(reply.value, 'SESSION')?.SessionID;
    if (typeof id !== 'string' || id === '') return garbage('no SESSION[0].SessionID');
    this.sessions.set(device.id, id);
    return { ok: true, value: id };
  }

  /** Opens sessions ahead of the first switch so a curtail costs one round trip. */
  async prepare(device: GatewayDevice): Promise<DeviceResult<void>> {
    const session = await this.session(device);
    return session.ok ? { ok: true, value: undefined } : session;
  }
}

function garbage(detail: string): { ok: false; failure: { kind: 'garbage-reply'; detail: string } } {
  return { ok: false, failure: { kind: 'garbage-reply', detail } };
}

const STATES: Record<string, DeviceReading['state']> = {
  hashing: 'hashing',
  waking: 'waking',
  sleeping: 'sleeping',
  asleep: 'sleeping',
};

/** A `summary+power` reply as one reading; MHS 5s is MH/s. */
export function readingFromReply(reply: Record<string, unknown>): DeviceResult<DeviceReading> {
  const summary = subReply(reply, 'summary');
  const power = subReply(reply, 'power');
  if (!summary.ok) return summary;
  if (!power.ok) return power;
  const mhs = section(summary.value, 'SUMMARY')?.['MHS 5s'];
  const record = section(power.value, 'POWER');
  const watts = record?.Watts;
  const state = STATES[String(record?.State)];
  if (typeof mhs !== 'number' || typeof watts !== 'number' || state === undefined) {
    return garbage('summary+power without MHS 5s, Watts or State');
  }
  return {
    ok: true,
    value: { powered: record?.CurtailMode === 'None', state, powerW: watts, hashrateThs: mhs / 1e6 },
  };
}
