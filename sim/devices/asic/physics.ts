import type { Clock } from '../../../core/support/clock.js';
import { normal, type Rng } from '../../../core/support/random.js';
import { DEFAULT_PROFILE_NAME, type PowerProfile } from './profiles.js';

/** What the miner is doing, as the gateway reads it back after a `curtail` or `profileset`. */
export type MinerState = 'hashing' | 'waking' | 'sleeping' | 'asleep';

export interface MinerPhysicsOptions {
  readonly profiles: readonly PowerProfile[];
  /** Per unit while curtailed (LuxOS `curtail sleep` keeps the control board up). */
  readonly sleepPowerW: number;
  /** From asleep to full hashrate. */
  readonly wakeSeconds: number;
  /** From full power down to sleep power. */
  readonly sleepSeconds: number;
  /** Antminer S19/S21 carry three hashboards (Bitmain product specs). */
  readonly hashboardCount?: number;
  readonly ambientC?: number;
  /** Hashboard temperature at stock power and 25 °C intake; LuxOS's default target temperature is in this range. */
  readonly boardTempAtStockC?: number;
  /** First-order lag of board temperature behind power (heat-sink mass; order of minutes). */
  readonly thermalTimeConstantSeconds?: number;
  /** Random hashboard failures, per board and year of operation. */
  readonly boardFailuresPerBoardYear?: number;
  /** Pool share difficulty: one share per `difficulty × 2^32` hashes. */
  readonly poolDifficulty?: number;
  readonly rejectedShareFraction?: number;
  /** Hardware errors per difficulty-1 share of work (Antminers report ~0.0001% "Device Hardware%"). */
  readonly hardwareErrorsPerDiff1?: number;
  /** Standard deviation of the 5-second hashrate around its mean, as a fraction. */
  readonly hashrateNoiseFraction?: number;
  /** Start asleep (a curtailed site) or hashing at the default profile. */
  readonly startAsleep?: boolean;
}

export const minerPhysicsDefaults = {
  hashboardCount: 3,
  ambientC: 25,
  boardTempAtStockC: 65,
  thermalTimeConstantSeconds: 120,
  // ~5% of hashboards fail per year in a well-run air-cooled fleet (operator estimate); tests set their own rate.
  boardFailuresPerBoardYear: 0.05,
  poolDifficulty: 65536,
  // Pools typically reject 0.1–0.5% of shares (stale or late); 0.2% here.
  rejectedShareFraction: 0.002,
  hardwareErrorsPerDiff1: 1e-7,
  hashrateNoiseFraction: 0.02,
  startAsleep: false,
} as const;

export interface HashboardStatus {
  readonly index: number;
  readonly alive: boolean;
  readonly failedAtMs: number | null;
}

export type RollingWindow = 60 | 300 | 900;
const ROLLING_WINDOWS: readonly RollingWindow[] = [60, 300, 900];
const MS_PER_YEAR = 365.25 * 24 * 3600 * 1000;
const HASHES_PER_DIFF1 = 2 ** 32;
/** Sub-step for the temperature lag while power ramps; the lag itself is minutes, so 2 s is plenty. */
const RAMP_SUBSTEP_MS = 2000;

interface Board {
  readonly failAtMs: number;
  failedAtMs: number | null;
}

/**
 * One miner's power, hashrate, temperature and counters, advanced lazily to the injected clock's time whenever it is
 * read. An activity level `a` in [0, 1] ramps linearly: up at 1/wakeSeconds after `wakeup`, down at 1/sleepSeconds
 * after `sleep`. Power is `sleepPowerW + a × healthyShare × (profile − sleepPowerW)`, so it never exceeds the active
 * profile's power; hashrate is `a × healthyShare × profile hashrate`. Power is piecewise linear in time, so energy is
 * integrated exactly per segment.
 */
export class MinerPhysics {
  private readonly options: Required<MinerPhysicsOptions>;
  private readonly boards: Board[];
  private readonly startMs: number;
  private lastMs: number;
  private activity: number;
  private awake: boolean;
  private profile: PowerProfile;
  private temperatureC: number;
  private energyWhTotal = 0;
  private terahashesTotal = 0;
  private readonly kelvinPerW: number;
  private ambient: number;
  /** cgminer's 1m/5m/15m hashrates are exponentially decaying averages with these time constants. */
  private readonly rolling = new Map<RollingWindow, number>();

  constructor(
    options: MinerPhysicsOptions,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.options = { ...minerPhysicsDefaults, ...options };
    const stock = this.options.profiles.find((p) => p.name === DEFAULT_PROFILE_NAME) ?? this.options.profiles.at(-1);
    if (!stock) throw new Error('a miner needs at least one power profile');
    this.profile = stock;
    this.startMs = clock.nowMs();
    this.lastMs = this.startMs;
    this.awake = !this.options.startAsleep;
    this.activity = this.awake ? 1 : 0;
    this.kelvinPerW = (this.options.boardTempAtStockC - 25) / stock.powerW;
    this.ambient = this.options.ambientC;
    const failuresPerMs = this.options.boardFailuresPerBoardYear / MS_PER_YEAR;
    this.boards = Array.from({ length: this.options.hashboardCount }, () => ({
      // Failure times are drawn once, up front, so the history does not depend on how often the miner is polled.
      failAtMs:
        failuresPerMs > 0
          ? this.startMs - Math.log(Math.max(rng.next(), Number.EPSILON)) / failuresPerMs
          : Number.POSITIVE_INFINITY,
      failedAtMs: null,
    }));
    this.temperatureC = this.steadyTemperatureC(this.powerAt(this.activity));
    // The simulation starts mid-life: the averages have settled on the starting hashrate.
    for (const window of ROLLING_WINDOWS) this.rolling.set(window, this.hashrateAt(this.activity));
  }

  /** LuxOS `curtail sleep`. */
  sleep(): void {
    this.advance();
    this.awake = false;
  }

  /** LuxOS `curtail wakeup`. */
  wakeup(): void {
    this.advance();
    this.awake = true;
  }

  /**
   * LuxOS `profileset`. Lowering the target takes effect at once (clocks drop in one step); raising it keeps power
   * continuous and re-tunes upward at the wake rate, as the boards ramp frequency in steps.
   */
  setProfile(profile: PowerProfile): void {
    this.advance();
    const powerBeforeW = this.powerAt(this.activity);
    this.profile = profile;
    if (this.awake && profile.powerW > powerBeforeW) {
      const span = this.healthyShare() * (profile.powerW - this.options.sleepPowerW);
      this.activity = span > 0 ? Math.min(1, Math.max(0, (powerBeforeW - this.options.sleepPowerW) / span)) : 1;
    }
  }

  get activeProfile(): PowerProfile {
    return this.profile;
  }

  get profiles(): readonly PowerProfile[] {
    return this.options.profiles;
  }

  get sleepPowerW(): number {
    return this.options.sleepPowerW;
  }

  get poolDifficulty(): number {
    return this.options.poolDifficulty;
  }

  get ambientC(): number {
    return this.ambient;
  }

  /** Intake air temperature, e.g. from the synthetic weather; board temperature follows with its lag. */
  setAmbientC(celsius: number): void {
    this.advance();
    this.ambient = celsius;
  }

  isAwakeCommanded(): boolean {
    return this.awake;
  }

  state(): MinerState {
    this.advance();
    if (this.awake) return this.activity >= 1 ? 'hashing' : 'waking';
    return this.activity <= 0 ? 'asleep' : 'sleeping';
  }

  powerW(): number {
    this.advance();
    return this.powerAt(this.activity);
  }

  /** Mean hashrate now, without noise. */
  hashrateThs(): number {
    this.advance();
    return this.hashrateAt(this.activity);
  }

  /** What the miner reports as its 5-second hashrate: the mean with seeded noise. */
  sampleHashrateThs(): number {
    const mean = this.hashrateThs();
    if (mean <= 0) return 0;
    return Math.max(0, mean * (1 + this.options.hashrateNoiseFraction * normal(this.rng)));
  }

  /** The `MHS 1m` / `5m` / `15m` figures, in TH/s: they lag a wake or a sleep as the real averages do. */
  rollingHashrateThs(window: RollingWindow): number {
    this.advance();
    return this.rolling.get(window) ?? 0;
  }

  temperature(): number {
    this.advance();
    return this.temperatureC;
  }

  /** Energy drawn since start, integrated exactly over the piecewise-linear power trajectory. */
  energyWh(): number {
    this.advance();
    return this.energyWhTotal;
  }

  /** Hashes done since start, in TH (TH/s integrated over seconds). */
  terahashesDone(): number {
    this.advance();
    return this.terahashesTotal;
  }

  elapsedSeconds(): number {
    this.advance();
    return Math.floor((this.lastMs - this.startMs) / 1000);
  }

  hashboards(): HashboardStatus[] {
    this.advance();
    return this.boards.map((b, index) => ({ index, alive: b.failedAtMs === null, failedAtMs: b.failedAtMs }));
  }

  /** Share counters grow with the work done: one share per `difficulty × 2^32` hashes. */
  shares(): { accepted: number; rejected: number; hardwareErrors: number; diff1Work: number } {
    const hashes = this.terahashesDone() * 1e12;
    const diff1Work = hashes / HASHES_PER_DIFF1;
    const found = diff1Work / this.options.poolDifficulty;
    const rejected = Math.floor(found * this.options.rejectedShareFraction);
    return {
      accepted: Math.floor(found) - rejected,
      rejected,
      hardwareErrors: Math.floor(diff1Work * this.options.hardwareErrorsPerDiff1),
      diff1Work,
    };
  }

  /** Fan duty follows board temperature (LuxOS drives fans toward a target temperature). */
  fanPercent(): number {
    const t = this.temperature();
    return Math.round(Math.min(100, Math.max(30, 30 + (t - 45) * 3.5)));
  }

  private healthyShare(): number {
    const alive = this.boards.filter((b) => b.failedAtMs === null).length;
    return alive / this.boards.length;
  }

  private powerAt(activity: number): number {
    const { sleepPowerW } = this.options;
    return sleepPowerW + activity * this.healthyShare() * (this.profile.powerW - sleepPowerW);
  }

  private hashrateAt(activity: number): number {
    return activity * this.healthyShare() * this.profile.hashrateThs;
  }

  private steadyTemperatureC(powerW: number): number {
    return this.ambient + this.kelvinPerW * powerW;
  }

  /** Activity slope in 1/ms: 0 when settled. */
  private slopePerMs(): number {
    if (this.awake && this.activity < 1) {
      return this.options.wakeSeconds > 0 ? 1 / (this.options.wakeSeconds * 1000) : Number.POSITIVE_INFINITY;
    }
    if (!this.awake && this.activity > 0) {
      return this.options.sleepSeconds > 0 ? -1 / (this.options.sleepSeconds * 1000) : Number.NEGATIVE_INFINITY;
    }
    return 0;
  }

  private advance(): void {
    const nowMs = this.clock.nowMs();
    while (this.lastMs < nowMs) {
      let slope = this.slopePerMs();
      if (!Number.isFinite(slope)) {
        // Zero ramp time: the level jumps.
        this.activity = slope > 0 ? 1 : 0;
        slope = 0;
      }
      let segmentEndMs = nowMs;
      let rampEndMs = Number.POSITIVE_INFINITY;
      if (slope > 0) rampEndMs = this.lastMs + (1 - this.activity) / slope;
      if (slope < 0) rampEndMs = this.lastMs + this.activity / -slope;
      segmentEndMs = Math.min(segmentEndMs, rampEndMs);
      const nextFailure = this.nextBoardFailure();
      if (nextFailure) segmentEndMs = Math.min(segmentEndMs, Math.max(nextFailure.failAtMs, this.lastMs));
      if (slope !== 0) segmentEndMs = Math.min(segmentEndMs, this.lastMs + RAMP_SUBSTEP_MS);
      this.integrate(segmentEndMs - this.lastMs, slope);
      // Snap at the end of a ramp so rounding cannot leave the level a hair short of it (and the loop stalled).
      if (segmentEndMs >= rampEndMs) this.activity = slope > 0 ? 1 : 0;
      this.lastMs = segmentEndMs;
      if (nextFailure && nextFailure.failAtMs <= this.lastMs) nextFailure.failedAtMs = nextFailure.failAtMs;
    }
  }

  private nextBoardFailure(): Board | undefined {
    let next: Board | undefined;
    for (const board of this.boards) {
      if (board.failedAtMs === null && (!next || board.failAtMs < next.failAtMs)) next = board;
    }
    return next && Number.isFinite(next.failAtMs) ? next : undefined;
  }

  /** Power and hashrate are linear in activity, activity linear in time: their averages are the midpoint values. */
  private integrate(durationMs: number, slopePerMs: number): void {
    if (durationMs <= 0) return;
    const startActivity = this.activity;
    const endActivity = Math.min(1, Math.max(0, startActivity + slopePerMs * durationMs));
    const midActivity = (startActivity + endActivity) / 2;
    const seconds = durationMs / 1000;
    const meanPowerW = this.powerAt(midActivity);
    this.energyWhTotal += (meanPowerW * seconds) / 3600;
    this.terahashesTotal += this.hashrateAt(midActivity) * seconds;
    // First-order lag toward the steady temperature of the segment's mean power (exact when power is constant).
    const decay = Math.exp(-seconds / this.options.thermalTimeConstantSeconds);
    const target = this.steadyTemperatureC(meanPowerW);
    this.temperatureC = target + (this.temperatureC - target) * decay;
    const meanHashrateThs = this.hashrateAt(midActivity);
    for (const window of ROLLING_WINDOWS) {
      const average = this.rolling.get(window) ?? 0;
      this.rolling.set(window, meanHashrateThs + (average - meanHashrateThs) * Math.exp(-seconds / window));
    }
    this.activity = endActivity;
  }
}
