/**
 * STATUS codes and messages. cgminer's come from its api.c (`#define MSG_*` and the `codes[]` table); the LuxOS ones
 * marked "docs" are the codes shown in the LuxOS API docs (docs.luxor.tech, firmware/api/luxminer/*). The LuxOS error
 * codes are not published in those pages: the values marked "ours" are stand-ins a gateway must not depend on; it
 * should test `STATUS === 'E'` and read `Msg`.
 */
export const apiCodes = {
  pools: { code: 7, msg: (n: number) => `${n} Pool(s)` },
  devs: { code: 9, msg: (n: number) => `${n} ASC(s)` },
  summary: { code: 11, msg: () => 'Summary' },
  invalidCommand: { code: 14, msg: () => 'Invalid command' },
  version: { code: 22, msg: () => 'CGMiner versions' },
  invalidJson: { code: 23, msg: () => 'Invalid JSON' },
  missingJsonField: { code: 24, msg: (field: string) => `Missing JSON '${field}'` },
  config: { code: 33, msg: () => 'CGMiner config' },
  accessDenied: { code: 45, msg: (command: string) => `Access denied to '${command}' command` },
  devdetails: { code: 69, msg: () => 'Device Details' },
  stats: { code: 70, msg: () => 'CGMiner stats' },
  missingCheck: { code: 71, msg: () => 'Missing check cmd' },
  check: { code: 72, msg: () => 'Check command' },
  // LuxOS, docs:
  sessionCreated: { code: 316, msg: () => 'Session created' },
  sessionInfo: { code: 319, msg: () => 'Session information' },
  profileSet: { code: 321, msg: () => 'Profile Set' },
  curtailSent: { code: 335, msg: () => 'Curtailment command sent' },
  // LuxOS, ours:
  sessionEnded: { code: 317, msg: () => 'Session terminated' },
  sessionBusy: { code: 318, msg: () => 'Another session is active' },
  invalidSession: { code: 314, msg: () => 'Invalid session ID' },
  missingParameter: { code: 313, msg: (what: string) => `Missing parameter: ${what}` },
  invalidParameter: { code: 312, msg: (what: string) => `Invalid parameter: ${what}` },
  profiles: { code: 320, msg: () => 'Profiles' },
  power: { code: 340, msg: () => 'Power' },
  fans: { code: 202, msg: () => 'Fans' },
  temps: { code: 201, msg: () => 'Temperatures' },
} as const;

export type Severity = 'S' | 'E' | 'W' | 'I';

export interface StatusRecord {
  STATUS: Severity;
  When: number;
  Code: number;
  Msg: string;
  Description: string;
}
