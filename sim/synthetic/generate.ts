import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import type { Fleet } from '../../core/model/site.js';
import { localCalendar } from '../../core/synthetic/calendar.js';
import type { Calibration } from '../../core/synthetic/calibration.js';
import { streamRng } from '../../core/synthetic/draws.js';
import { type FrequencyDip, FrequencySampler } from '../../core/synthetic/grid-events.js';
import { intervalCount, marketStream, toMarketSnapshot } from '../../core/synthetic/market-stream.js';
import { generateFleetInventory } from '../../core/synthetic/resources.js';
import type { Scenario } from '../../core/synthetic/scenario.js';
import { type NameSource, workloadStream } from '../../core/synthetic/workloads.js';
import { LineFile } from './line-file.js';

export interface GenerateOptions {
  readonly scenario: Scenario;
  readonly calibration: Calibration;
  readonly seed: number;
  readonly days: number;
  readonly outDir: string;
  readonly fleet?: Fleet;
  /** Tenant names; the CLI passes faker's, tests the deterministic fallback. */
  readonly names?: NameSource;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** The header of sim/data/ercot_hb_south_rt_15min_2024-11_2025-03.csv, so the backtester reads ours unchanged. */
export const PRICE_CSV_HEADER = 'interval_start_local,rt_price_usd_mwh,da_price_usd_mwh,temperature_c';
/** The header of sim/data/btc_hashprice_daily_2020-04_2025-04.csv. */
export const HASHPRICE_CSV_HEADER =
  'date,btc_usd_close,difficulty,subsidy_btc_per_block,fees_btc_per_day,hashprice_usd_per_ths_day';

export interface GeneratedFiles {
  readonly outDir: string;
  readonly files: Record<string, number>;
}

/**
 * Writes a scenario's synthetic data into `outDir`:
 * - `prices-<NODE>.csv`: 15-min RT, DA and temperature in the shared ERCOT layout (local wall time: the fall-back
 *   hour appears twice and the spring-forward hour not at all, which `parsePriceCsv` already handles);
 * - `hashprice.csv`: daily, in the shared hashprice layout (UTC days, values at the day's last interval);
 * - `market.jsonl`: one MarketSnapshot per interval; `gpu-spot.csv`; `grid-events.jsonl` (each event once);
 * - `frequency.csv`: grid frequency at the scenario's step; `workloads.jsonl`; `inventory.jsonl`;
 * - `manifest.json`: scenario, seed, days and line counts (no timestamps, so equal seeds give equal bytes).
 */
export function generateScenarioFiles(options: GenerateOptions): GeneratedFiles {
  const { scenario, calibration, seed, days, outDir } = options;
  const fleet = options.fleet ?? referenceFleet;
  const progress = options.onProgress ?? (() => {});
  mkdirSync(outDir, { recursive: true });
  const open = (name: string) => new LineFile(path.join(outDir, name));
  const files: LineFile[] = [];
  const track = (file: LineFile) => {
    files.push(file);
    return file;
  };

  const inventory = track(open('inventory.jsonl'));
  for (const site of generateFleetInventory(fleet, seed, scenario.inventory)) {
    for (const device of [...site.asics, ...site.gpus]) inventory.write(JSON.stringify(device));
  }
  progress('inventory', 1, 1);

  const priceFiles = new Map(
    scenario.market.nodes.map((n) => {
      const file = track(open(`prices-${n.node}.csv`));
      file.write(PRICE_CSV_HEADER);
      return [n.node, file] as const;
    }),
  );
  const hashprice = track(open('hashprice.csv'));
  hashprice.write(HASHPRICE_CSV_HEADER);
  const market = track(open('market.jsonl'));
  const gpuSpot = track(open('gpu-spot.csv'));
  gpuSpot.write('interval_start_utc,gpu_spot_usd_per_gpu_hour');
  const gridEvents = track(open('grid-events.jsonl'));
  const dips: FrequencyDip[] = [];
  const streamOptions = { calibration, scenario, fleet, seed, days };
  const total = intervalCount(streamOptions);
  let pendingDay: { date: string; row: string } | undefined;
  for (const interval of marketStream(streamOptions)) {
    const wallTime = localCalendar(interval.startMs, scenario.timeZone).localWallTime;
    for (const node of interval.prices.nodes) {
      priceFiles.get(node.node)!.write(`${wallTime},${node.rtUsdPerMwh},${node.daUsdPerMwh},${node.temperatureC}`);
    }
    const snapshot = toMarketSnapshot(interval);
    market.write(JSON.stringify(snapshot));
    gpuSpot.write(`${snapshot.at},${interval.gpuSpotUsdPerGpuHour}`);
    for (const event of interval.startedGridEvents) gridEvents.write(JSON.stringify(event));
    dips.push(...interval.frequencyDips);
    const date = snapshot.at.slice(0, 10);
    if (pendingDay && pendingDay.date !== date) hashprice.write(pendingDay.row);
    const b = interval.bitcoin;
    pendingDay = {
      date,
      row: `${date},${b.btcPriceUsd},${b.difficulty},${b.subsidyBtc},${b.feesBtcPerDay},${b.hashpriceUsdPerThDay}`,
    };
    if ((interval.index + 1) % Math.max(1, Math.floor(total / 10)) === 0 || interval.index + 1 === total)
      progress('market', interval.index + 1, total);
  }
  if (pendingDay) hashprice.write(pendingDay.row);

  const frequency = track(open('frequency.csv'));
  frequency.write('at_utc,frequency_hz');
  const startMs = Date.parse(scenario.start);
  const stepMs = scenario.grid.frequencyStepSeconds * 1000;
  const sampler = new FrequencySampler(dips, scenario.grid.frequencyStepSeconds, streamRng(seed, 'frequency'));
  const endMs = startMs + days * 86_400_000;
  for (let atMs = startMs; atMs < endMs; atMs += stepMs) {
    frequency.write(`${new Date(atMs).toISOString().replace('.000Z', 'Z')},${sampler.sample(atMs)}`);
  }
  progress('frequency', 1, 1);

  const workloads = track(open('workloads.jsonl'));
  const workloadOptions = {
    scenario: scenario.workloads,
    startMs,
    days,
    timeZone: scenario.timeZone,
    seed,
    ...(options.names ? { names: options.names } : {}),
  };
  for (const workload of workloadStream(workloadOptions)) workloads.write(JSON.stringify(workload));
  progress('workloads', 1, 1);

  for (const file of files) file.close();
  const counts = Object.fromEntries(files.map((f) => [path.basename(f.file), f.lines]));
  const manifest = { scenario: scenario.name, seed, days, start: scenario.start, lines: counts };
  writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, files: counts };
}
