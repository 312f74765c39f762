import type { AsicInventoryItem } from '../inventory.js';
import type { MinerPhysics } from './physics.js';

/** Static facts about one virtual miner, seeded by the inventory (`lanIp` is the site-LAN address it would have). */
export type MinerIdentity = Pick<
  AsicInventoryItem,
  'id' | 'model' | 'serial' | 'mac' | 'lanIp' | 'hostname' | 'firmware'
> & {
  readonly poolUrl: string;
  readonly poolUser: string;
};

export type Record_ = Record<string, string | number | boolean>;

const MHS_PER_THS = 1e6;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * cgminer's `summary` fields (api.c, `summary()`): hashrates in MH/s under `MHS *`, counters as integers; `MHS 5s`
 * is the noisy instantaneous rate, `MHS 1m/5m/15m` the decaying averages.
 */
export function summaryRecord(physics: MinerPhysics, nowSeconds: number): Record_ {
  const elapsed = physics.elapsedSeconds();
  const totalMh = physics.terahashesDone() * MHS_PER_THS;
  const shares = physics.shares();
  const difficulty = physics.poolDifficulty;
  const diff1 = shares.diff1Work;
  return {
    Elapsed: elapsed,
    'MHS av': round(elapsed > 0 ? totalMh / elapsed : 0, 2),
    'MHS 5s': round(physics.sampleHashrateThs() * MHS_PER_THS, 2),
    'MHS 1m': round(physics.rollingHashrateThs(60) * MHS_PER_THS, 2),
    'MHS 5m': round(physics.rollingHashrateThs(300) * MHS_PER_THS, 2),
    'MHS 15m': round(physics.rollingHashrateThs(900) * MHS_PER_THS, 2),
    'Found Blocks': 0,
    Getworks: Math.floor(elapsed / 30),
    Accepted: shares.accepted,
    Rejected: shares.rejected,
    'Hardware Errors': shares.hardwareErrors,
    Utility: round(elapsed > 0 ? (shares.accepted / elapsed) * 60 : 0, 2),
    Discarded: 0,
    Stale: 0,
    'Get Failures': 0,
    'Local Work': Math.floor(diff1 / 1e6),
    'Remote Failures': 0,
    'Network Blocks': Math.floor(elapsed / 600),
    'Total MH': round(totalMh, 0),
    'Work Utility': round(elapsed > 0 ? (diff1 / elapsed) * 60 : 0, 2),
    'Difficulty Accepted': shares.accepted * difficulty,
    'Difficulty Rejected': shares.rejected * difficulty,
    'Difficulty Stale': 0,
    'Best Share': shares.accepted > 0 ? difficulty * 40 : 0,
    'Device Hardware%': round(diff1 > 0 ? (100 * shares.hardwareErrors) / (shares.hardwareErrors + diff1) : 0, 4),
    'Device Rejected%': round(diff1 > 0 ? (100 * shares.rejected * difficulty) / diff1 : 0, 4),
    'Pool Rejected%': round(
      shares.accepted + shares.rejected > 0 ? (100 * shares.rejected) / (shares.accepted + shares.rejected) : 0,
      4,
    ),
    'Pool Stale%': 0,
    'Last getwork': nowSeconds,
  };
}

/**
 * One `devs` record per hashboard (cgminer `ascstatus()` fields). A failed board reports `Status: Dead` and no
 * hashrate; cumulative counters are split evenly over the boards.
 */
export function devsRecords(physics: MinerPhysics, nowSeconds: number): Record_[] {
  const boards = physics.hashboards();
  const alive = boards.filter((b) => b.alive).length;
  const elapsed = physics.elapsedSeconds();
  const rolling = (window: 60 | 300 | 900) => physics.rollingHashrateThs(window) * MHS_PER_THS;
  const sample = physics.sampleHashrateThs() * MHS_PER_THS;
  const shares = physics.shares();
  const totalMh = physics.terahashesDone() * MHS_PER_THS;
  const temperature = round(physics.temperature(), 1);
  const n = boards.length;
  return boards.map((board) => {
    const live = board.alive && alive > 0 ? 1 / alive : 0;
    return {
      ASC: board.index,
      Name: 'BTM_SOC',
      ID: board.index,
      Enabled: 'Y',
      Status: board.alive ? 'Alive' : 'Dead',
      Temperature: board.alive ? temperature : 0,
      'MHS av': round(elapsed > 0 ? totalMh / n / elapsed : 0, 2),
      'MHS 5s': round(sample * live, 2),
      'MHS 1m': round(rolling(60) * live, 2),
      'MHS 5m': round(rolling(300) * live, 2),
      'MHS 15m': round(rolling(900) * live, 2),
      Accepted: Math.floor(shares.accepted / n),
      Rejected: Math.floor(shares.rejected / n),
      'Hardware Errors': Math.floor(shares.hardwareErrors / n),
      Utility: round(elapsed > 0 ? (shares.accepted / n / elapsed) * 60 : 0, 2),
      'Last Share Pool': shares.accepted > 0 ? 0 : -1,
      'Last Share Time': shares.accepted > 0 && board.alive ? nowSeconds : 0,
      'Total MH': round(totalMh / n, 0),
      'Diff1 Work': round(shares.diff1Work / n, 0),
      'Difficulty Accepted': Math.floor(shares.accepted / n) * physics.poolDifficulty,
      'Difficulty Rejected': Math.floor(shares.rejected / n) * physics.poolDifficulty,
      'Last Share Difficulty': physics.poolDifficulty,
      'Last Valid Work': board.alive ? nowSeconds : Math.floor((board.failedAtMs ?? 0) / 1000),
      'Device Hardware%': 0,
      'Device Rejected%': 0,
      'Device Elapsed': elapsed,
    };
  });
}

export function poolsRecords(identity: MinerIdentity, physics: MinerPhysics, nowSeconds: number): Record_[] {
  const shares = physics.shares();
  const hashing = physics.hashrateThs() > 0;
  return [
    {
      POOL: 0,
      URL: identity.poolUrl,
      Status: 'Alive',
      Priority: 0,
      Quota: 1,
      'Long Poll': 'N',
      Getworks: Math.floor(physics.elapsedSeconds() / 30),
      Accepted: shares.accepted,
      Rejected: shares.rejected,
      Works: Math.floor(shares.diff1Work / 1e6),
      Discarded: 0,
      Stale: 0,
      'Get Failures': 0,
      'Remote Failures': 0,
      User: identity.poolUser,
      'Last Share Time': hashing && shares.accepted > 0 ? nowSeconds : 0,
      'Diff1 Shares': round(shares.diff1Work, 0),
      'Proxy Type': '',
      Proxy: '',
      'Difficulty Accepted': shares.accepted * physics.poolDifficulty,
      'Difficulty Rejected': shares.rejected * physics.poolDifficulty,
      'Difficulty Stale': 0,
      'Last Share Difficulty': physics.poolDifficulty,
      'Work Difficulty': physics.poolDifficulty,
      'Has Stratum': true,
      'Stratum Active': true,
      'Stratum URL': identity.poolUrl.replace(/^stratum\+tcp:\/\//, ''),
      'Stratum Difficulty': physics.poolDifficulty,
      'Has GBT': false,
      'Best Share': shares.accepted > 0 ? physics.poolDifficulty * 40 : 0,
      'Pool Rejected%': 0,
      'Pool Stale%': 0,
      'Bad Work': 0,
      'Current Block Height': 0,
      'Current Block Version': 536870912,
    },
  ];
}

/**
 * `stats` in the shape Antminer firmware (bmminer/LuxOS) gives it: a header record, then one record with per-chain
 * rates (`chain_rate<n>`, GH/s), temperatures (`temp_chip<n>`, °C) and fans (`fan<n>`, RPM).
 */
export function statsRecords(identity: MinerIdentity, physics: MinerPhysics): Record_[] {
  const boards = physics.hashboards();
  const alive = boards.filter((b) => b.alive).length;
  const ghs = physics.sampleHashrateThs() * 1000;
  const temperature = physics.temperature();
  const fanRpm = Math.round((physics.fanPercent() / 100) * 6000);
  const detail: Record_ = {
    STATS: 0,
    ID: 'BC50',
    Elapsed: physics.elapsedSeconds(),
    Calls: 0,
    Wait: 0,
    Max: 0,
    Min: 99999999,
    'GHS 5s': round(ghs, 2),
    'GHS av': round(physics.hashrateThs() * 1000, 2),
    miner_count: boards.length,
    fan_num: 4,
    temp_num: boards.length,
    total_rateideal: round(physics.activeProfile.hashrateThs * 1000, 2),
    total_rate: round(ghs, 2),
    Mode: physics.activeProfile.name,
    'Power Watts': round(physics.powerW(), 1),
  };
  for (let f = 1; f <= 4; f++) detail[`fan${f}`] = fanRpm;
  for (const board of boards) {
    const n = board.index + 1;
    detail[`chain_rate${n}`] = round(board.alive && alive > 0 ? ghs / alive : 0, 2);
    detail[`temp_pcb${n}`] = board.alive ? round(temperature - 10, 0) : 0;
    detail[`temp_chip${n}`] = board.alive ? round(temperature + 15, 0) : 0;
    detail[`chain_acs${n}`] = board.alive ? 'oooooooo' : 'xxxxxxxx';
  }
  return [{ STATS: 0, ID: 'BMM0', Type: identity.model, Miner: identity.firmware, CompileTime: '' }, detail];
}
