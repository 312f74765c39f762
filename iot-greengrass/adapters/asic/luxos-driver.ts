import type { DeviceDriver, DeviceReading, DeviceResult, GatewayDevice } from '../device-port.js';
import {
  type CgminerReply,
  type CgminerRequestOptions,
  request,
  requestSerialised,
  section,
  serialise,
  subReply,
} from './cgminer-client.js';
import { mapWithConcurrency } from './fan-out.js';

/**
 * LuxOS control over the cgminer API: `curtail <session>,sleep|wakeup` to switch, `power` (`CurtailMode`, `State`,
 * `Watts`) to confirm. LuxOS allows one session per miner and expires it after a minute idle (docs.luxor.tech,
 * "Session management"; every use refreshes it), so the driver keeps the id per miner, logs on again when the miner
 * says the id is invalid, and adopts the active session (`session`) when a previous gateway process left one open.
 *
 * A switch is prepared ahead (`prepare`, on the agent's tick): the session is logged on and both `curtail` requests
 * are serialised with it, so a signal costs one connection per miner and no allocation of its request. No idle
 * connection is held: cgminer serves one request per connection on one thread. A session about to lapse is renewed
 * (logoff, logon) by `prepare`; one already past the idle limit by the driver's clock is logged on again before use
 * instead of being tried first. The price: the gateway holds each miner's one session, so another LuxOS client must
 * adopt it (`session`) rather than log on.
 */
export interface LuxosDriverOptions extends CgminerRequestOptions {
  /** The driver's clock for session ages. @default performance.now */
  readonly nowMs?: () => number;
  /** LuxOS drops a session idle this long. @default 60_000 */
  readonly sessionIdleMs?: number;
  /** `prepare` renews a session idle longer than this, so that a signal finds it alive. @default 40_000 */
  readonly renewAfterMs?: number;
}

const SESSION_IDLE_MS = 60_000;
const RENEW_AFTER_MS = 40_000;
const OK: DeviceResult<void> = Object.freeze({ ok: true, value: undefined });

/** A miner's session and the switch requests serialised with it. */
interface Session {
  readonly id: string;
  /** `curtail <id>,sleep` and `curtail <id>,wakeup`, by `on` as 0 and 1. */
  readonly curtail: readonly [Buffer, Buffer];
  usedAtMs: number;
}

export class LuxosDriver implements DeviceDriver {
  private readonly sessions = new Map<string, Session>();
  private readonly nowMs: () => number;
  private readonly sessionIdleMs: number;
  private readonly renewAfterMs: number;

  constructor(private readonly options: LuxosDriverOptions = {}) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.sessionIdleMs = options.sessionIdleMs ?? SESSION_IDLE_MS;
    this.renewAfterMs = options.renewAfterMs ?? RENEW_AFTER_MS;
  }

  /** One round trip when prepared: the serialised request of a live session. */
  async setPowered(device: GatewayDevice, on: boolean): Promise<DeviceResult<void>> {
    const reply = await this.write(device, (session) => session.curtail[on ? 1 : 0]);
    return reply.ok ? OK : reply;
  }

  async setProfile(device: GatewayDevice, profile: string): Promise<DeviceResult<void>> {
    const reply = await this.write(device, (session) => serialise('profileset', `${session.id},${profile}`));
    return reply.ok ? OK : reply;
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

  /**
   * Logs on to every miner without a session and renews every session idle for `renewAfterMs`, `concurrency` miners
   * at a time; resolves with how many it contacted. Miners it cannot reach are left to the switch's own logon.
   */
  async prepare(devices: readonly GatewayDevice[], concurrency: number): Promise<number> {
    const nowMs = this.nowMs();
    const due = devices.filter((d) => {
      const session = this.sessions.get(d.id);
      return d.kind === 'asic' && (session === undefined || nowMs - session.usedAtMs > this.renewAfterMs);
    });
    await mapWithConcurrency(due, concurrency, async (device) => {
      const old = this.sessions.get(device.id);
      if (old) {
        this.sessions.delete(device.id);
        // Ends ours so the logon below gets a fresh minute; a refusal means it had lapsed already.
        await request(device, 'logoff', old.id, this.options);
      }
      await this.session(device);
    });
    return due.length;
  }

  /** A session-bound write: logs on when needed and once more if the miner dropped the session. */
  private async write(device: GatewayDevice, body: (session: Session) => Buffer): Promise<DeviceResult<CgminerReply>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let session = this.liveSession(device);
      if (session === undefined) {
        const opened = await this.session(device);
        if (!opened.ok) return opened;
        session = opened.value;
      }
      const reply = await requestSerialised(device, body(session), this.options);
      if (reply.ok) {
        session.usedAtMs = this.nowMs();
        return reply;
      }
      if (reply.failure.kind !== 'device-error' || !/invalid session/i.test(reply.failure.detail)) return reply;
      if (this.sessions.get(device.id) === session) this.sessions.delete(device.id);
    }
    return { ok: false, failure: { kind: 'device-error', detail: 'Invalid session ID after a fresh logon' } };
  }

  /** The cached session if the miner cannot have dropped it yet by our clock. */
  private liveSession(device: GatewayDevice): Session | undefined {
    const session = this.sessions.get(device.id);
    if (session === undefined || this.nowMs() - session.usedAtMs < this.sessionIdleMs) return session;
    this.sessions.delete(device.id);
    return undefined;
  }

  private async session(device: GatewayDevice): Promise<DeviceResult<Session>> {
    let reply = await request(device, 'logon', undefined, this.options);
    if (!reply.ok && reply.failure.kind === 'device-error') {
      // Another session is active (ours, from before a restart): `session` names it.
      reply = await request(device, 'session', undefined, this.options);
    }
    if (!reply.ok) return reply;
    const id = section(reply.value, 'SESSION')?.SessionID;
    if (typeof id !== 'string' || id === '') return garbage('no SESSION[0].SessionID');
    const session: Session = {
      id,
      curtail: [serialise('curtail', `${id},sleep`), serialise('curtail', `${id},wakeup`)],
      usedAtMs: this.nowMs(),
    };
    this.sessions.set(device.id, session);
    return { ok: true, value: session };
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
