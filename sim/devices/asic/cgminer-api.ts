import type { Clock } from '../../../core/support/clock.js';
import { apiCodes, type Severity, type StatusRecord } from './api-status.js';
import type { LuxSessions } from './lux-sessions.js';
import type { MinerPhysics } from './physics.js';
import { selectProfile } from './profiles.js';
import { devsRecords, type MinerIdentity, poolsRecords, type Record_, statsRecords, summaryRecord } from './reports.js';

export interface MinerContext {
  readonly identity: MinerIdentity;
  readonly physics: MinerPhysics;
  readonly sessions: LuxSessions;
  readonly clock: Clock;
  /**
   * `cgminer`: a stock cgminer (Bitmain's firmware) answers the same reports but has none of LuxOS's commands
   * (`curtail`, `profileset`, sessions, `power`…): they get `Invalid command`, as an unknown command does in cgminer.
   * @default 'luxos'
   */
  readonly firmware?: 'luxos' | 'cgminer';
}

/** LuxOS's own commands (docs.luxor.tech), absent from stock cgminer's API-README. */
const LUXOS_ONLY = new Set([
  'power',
  'profiles',
  'session',
  'logon',
  'logoff',
  'curtail',
  'profileset',
  'temps',
  'fans',
]);

function commandSpec(context: MinerContext, command: string): CommandSpec | undefined {
  if (context.firmware === 'cgminer' && LUXOS_ONLY.has(command)) return undefined;
  return Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
}

/** One command's reply: the STATUS envelope plus its sections, as cgminer's JSON API lays it out. */
export type CommandReply = { STATUS: StatusRecord[]; id: number } & Record<string, unknown>;

interface CommandSpec {
  /** Report commands read state, take no parameter and may be joined with `+` (API-README, API V3.1). */
  readonly report: boolean;
  run(context: MinerContext, parameter: string): CommandReply;
}

const API_VERSION = '3.7';

/**
 * Answers one request body the way a LuxOS Antminer does on TCP 4028. Never throws on input: malformed JSON, a missing
 * `command`, unknown commands and bad parameters all become `STATUS: E` replies.
 */
export function answerRequest(context: MinerContext, raw: string): string {
  const text = raw.replace(/\0+$/, '').trim();
  if (!text.startsWith('{')) return answerText(context, text);
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return JSON.stringify(statusOnly(context, 'E', apiCodes.invalidJson.code, apiCodes.invalidJson.msg()));
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return JSON.stringify(statusOnly(context, 'E', apiCodes.invalidJson.code, apiCodes.invalidJson.msg()));
  }
  const { command, parameter } = request as { command?: unknown; parameter?: unknown };
  if (typeof command !== 'string' || command === '') {
    const missing = apiCodes.missingJsonField;
    return JSON.stringify(statusOnly(context, 'E', missing.code, missing.msg('command')));
  }
  const param = parameter === undefined || parameter === null ? '' : String(parameter);
  if (command.includes('+')) return JSON.stringify(runJoined(context, command));
  return JSON.stringify(runOne(context, command, param));
}

export function runOne(context: MinerContext, command: string, parameter: string): CommandReply {
  const spec = commandSpec(context, command);
  if (!spec) return statusOnly(context, 'E', apiCodes.invalidCommand.code, apiCodes.invalidCommand.msg());
  return spec.run(context, parameter);
}

/**
 * `summary+devs`: an object keyed by command, each an array holding that command's reply (cgminer api.c); blanks are
 * skipped, repeats answered once, and a command that is not a report gets its own `E` status.
 */
function runJoined(context: MinerContext, joined: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const command of joined.split('+')) {
    if (command === '' || command in out) continue;
    const spec = commandSpec(context, command);
    out[command] = [
      spec?.report
        ? spec.run(context, '')
        : statusOnly(context, 'E', apiCodes.invalidCommand.code, apiCodes.invalidCommand.msg()),
    ];
  }
  out.id = 1;
  return out;
}

function status(context: MinerContext, severity: Severity, code: number, msg: string): StatusRecord {
  return {
    STATUS: severity,
    When: Math.floor(context.clock.nowMs() / 1000),
    Code: code,
    Msg: msg,
    Description: `LUXminer ${context.identity.firmware}`,
  };
}

function statusOnly(context: MinerContext, severity: Severity, code: number, msg: string): CommandReply {
  return { STATUS: [status(context, severity, code, msg)], id: 1 };
}

function ok(
  context: MinerContext,
  code: { code: number; msg: (...args: never[]) => string },
  msg: string,
  sections: Record<string, unknown>,
): CommandReply {
  return { STATUS: [status(context, 'S', code.code, msg)], ...sections, id: 1 };
}

function nowSeconds(context: MinerContext): number {
  return Math.floor(context.clock.nowMs() / 1000);
}

/** LuxOS write commands: `<session id>,<args…>`; the session must be the active one. */
function withSession(
  context: MinerContext,
  command: string,
  parameter: string,
  run: (args: string[]) => CommandReply,
): CommandReply {
  const [sessionId = '', ...args] = parameter.split(',').map((part) => part.trim());
  if (sessionId === '' || !context.sessions.use(sessionId)) {
    const denied = apiCodes.invalidSession;
    return statusOnly(context, 'E', denied.code, `${denied.msg()}: '${command}' needs a session from 'logon'`);
  }
  return run(args);
}

function missing(context: MinerContext, what: string): CommandReply {
  return statusOnly(context, 'E', apiCodes.missingParameter.code, apiCodes.missingParameter.msg(what));
}

function invalid(context: MinerContext, what: string): CommandReply {
  return statusOnly(context, 'E', apiCodes.invalidParameter.code, apiCodes.invalidParameter.msg(what));
}

function curtailMode(physics: MinerPhysics): string {
  return physics.isAwakeCommanded() ? 'None' : 'Sleep';
}

const COMMANDS: Record<string, CommandSpec> = {
  version: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.version, apiCodes.version.msg(), {
        VERSION: [{ LUXminer: c.identity.firmware, API: API_VERSION, Type: c.identity.model, Miner: c.identity.model }],
      }),
  },
  config: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.config, apiCodes.config.msg(), {
        CONFIG: [
          {
            'ASC Count': c.physics.hashboards().length,
            'PGA Count': 0,
            'Pool Count': 1,
            Strategy: 'Failover',
            'Log Interval': 5,
            'Device Code': '',
            OS: 'Linux',
            Hotplug: 'None',
            // LuxOS-style state fields the gateway reads to confirm a curtail or profile change.
            CurtailMode: curtailMode(c.physics),
            Profile: c.physics.activeProfile.name,
            SerialNumber: c.identity.serial,
            MACAddr: c.identity.mac,
            IPAddr: c.identity.lanIp,
            Hostname: c.identity.hostname,
            Model: c.identity.model,
          },
        ],
      }),
  },
  summary: {
    report: true,
    run: (c) => ok(c, apiCodes.summary, apiCodes.summary.msg(), { SUMMARY: [summaryRecord(c.physics, nowSeconds(c))] }),
  },
  devs: {
    report: true,
    run: (c) => {
      const devs = devsRecords(c.physics, nowSeconds(c));
      return ok(c, apiCodes.devs, apiCodes.devs.msg(devs.length), { DEVS: devs });
    },
  },
  devdetails: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.devdetails, apiCodes.devdetails.msg(), {
        DEVDETAILS: c.physics.hashboards().map((b) => ({
          DEVDETAILS: b.index,
          Name: 'BTM_SOC',
          ID: b.index,
          Driver: 'bitmain_soc',
          Kernel: '',
          Model: c.identity.model,
          'Device Path': '',
        })),
      }),
  },
  pools: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.pools, apiCodes.pools.msg(1), { POOLS: poolsRecords(c.identity, c.physics, nowSeconds(c)) }),
  },
  stats: {
    report: true,
    run: (c) => ok(c, apiCodes.stats, apiCodes.stats.msg(), { STATS: statsRecords(c.identity, c.physics) }),
  },
  fans: {
    report: true,
    run: (c) => {
      const percent = c.physics.fanPercent();
      const fans: Record_[] = [0, 1, 2, 3].map((id) => ({
        ID: id,
        RPM: Math.round((percent / 100) * 6000),
        Speed: percent,
      }));
      return ok(c, apiCodes.fans, apiCodes.fans.msg(), { FANS: fans });
    },
  },
  temps: {
    report: true,
    run: (c) => {
      const t = Math.round(c.physics.temperature());
      const temps: Record_[] = c.physics.hashboards().map((b) => ({
        ID: b.index,
        Board: b.index,
        TopLeft: b.alive ? t : 0,
        TopRight: b.alive ? t : 0,
        BottomLeft: b.alive ? t - 3 : 0,
        BottomRight: b.alive ? t - 3 : 0,
      }));
      return ok(c, apiCodes.temps, apiCodes.temps.msg(), { TEMPS: temps });
    },
  },
  power: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.power, apiCodes.power.msg(), {
        POWER: [
          {
            Watts: Math.round(c.physics.powerW()),
            PSU: c.physics.state() !== 'asleep',
            // The simulator's explicit state: hashing, waking, sleeping (ramping down) or asleep.
            State: c.physics.state(),
            CurtailMode: curtailMode(c.physics),
            Profile: c.physics.activeProfile.name,
            ProfileWatts: c.physics.activeProfile.powerW,
          },
        ],
      }),
  },
  profiles: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.profiles, apiCodes.profiles.msg(), {
        PROFILES: c.physics.profiles.map((p, step) => ({
          'Profile Name': p.name,
          Watts: p.powerW,
          Hashrate: p.hashrateThs,
          IsDynamic: false,
          Step: step - (c.physics.profiles.length - 1),
        })),
      }),
  },
  session: {
    report: true,
    run: (c) =>
      ok(c, apiCodes.sessionInfo, apiCodes.sessionInfo.msg(), { SESSION: [{ SessionID: c.sessions.current() ?? '' }] }),
  },
  check: {
    report: false,
    run: (c, parameter) => {
      if (parameter === '') return statusOnly(c, 'E', apiCodes.missingCheck.code, apiCodes.missingCheck.msg());
      const spec = commandSpec(c, parameter);
      return ok(c, apiCodes.check, apiCodes.check.msg(), {
        CHECK: [{ Exists: spec ? 'Y' : 'N', Access: spec ? 'Y' : 'N' }],
      });
    },
  },
  logon: {
    report: false,
    run: (c) => {
      const id = c.sessions.logon();
      if (id === null) return statusOnly(c, 'E', apiCodes.sessionBusy.code, apiCodes.sessionBusy.msg());
      return ok(c, apiCodes.sessionCreated, apiCodes.sessionCreated.msg(), { SESSION: [{ SessionID: id }] });
    },
  },
  logoff: {
    report: false,
    run: (c, parameter) => {
      const id = parameter.split(',')[0]?.trim() ?? '';
      if (id === '') return missing(c, 'session_id');
      if (!c.sessions.logoff(id))
        return statusOnly(c, 'E', apiCodes.invalidSession.code, apiCodes.invalidSession.msg());
      return ok(c, apiCodes.sessionEnded, apiCodes.sessionEnded.msg(), { SESSION: [{ SessionID: '' }] });
    },
  },
  curtail: {
    report: false,
    run: (c, parameter) =>
      withSession(c, 'curtail', parameter, ([action]) => {
        if (action === undefined || action === '') return missing(c, 'action (sleep or wakeup)');
        if (action === 'sleep') c.physics.sleep();
        else if (action === 'wakeup') c.physics.wakeup();
        else return invalid(c, `curtail action '${action}' (expected sleep or wakeup)`);
        return ok(c, apiCodes.curtailSent, apiCodes.curtailSent.msg(), {
          CURTAIL: [{ Action: action === 'sleep' ? 'sleep mode' : 'wake up' }],
        });
      }),
  },
  profileset: {
    report: false,
    run: (c, parameter) =>
      withSession(c, 'profileset', parameter, (args) => {
        // LuxOS still accepts the legacy `<session>,<board>,<profile>` form; the board is ignored.
        const name = args.length >= 2 && /^[0-3]$/.test(args[0] ?? '') ? args[1] : args[0];
        if (name === undefined || name === '') return missing(c, 'profile');
        const profile = selectProfile(c.physics.profiles, name);
        if (!profile) return invalid(c, `profile '${name}' not found; see 'profiles'`);
        c.physics.setProfile(profile);
        return ok(c, apiCodes.profileSet, apiCodes.profileSet.msg(), {
          PROFILE: [{ Board: 0, Profile: profile.name, Watts: profile.powerW, Hashrate: profile.hashrateThs }],
        });
      }),
  },
};

export const supportedCommands = Object.keys(COMMANDS);

/**
 * cgminer's plain-text form, `command|parameter`, answered as `KEY=value,…|` records (API-README): the STATUS record
 * first, then each section's records; a record without an index key is prefixed with its section name.
 */
function answerText(context: MinerContext, text: string): string {
  const [command = '', ...rest] = text.split('|');
  const reply = runOne(context, command, rest.join('|'));
  const parts: string[] = [];
  for (const [section, value] of Object.entries(reply)) {
    if (section === 'id' || !Array.isArray(value)) continue;
    for (const record of value as Record_[]) {
      const fields = Object.entries(record).map(([k, v]) => `${escapeText(k)}=${escapeText(String(v))}`);
      // Records that open with their own upper-case index key (`ASC=0`, `POOL=0`) carry no section prefix.
      const firstKey = Object.keys(record)[0] ?? '';
      const indexed = section === 'STATUS' || /^[A-Z]+$/.test(firstKey);
      parts.push(`${indexed ? '' : `${section},`}${fields.join(',')}|`);
    }
  }
  return parts.join('');
}

function escapeText(value: string): string {
  return value.replace(/[\\|,=]/g, (ch) => `\\${ch}`);
}
