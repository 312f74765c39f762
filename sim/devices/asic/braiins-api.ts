import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rng } from '../../../core/support/random.js';
import type { MinerPhysics } from './physics.js';
import type { PowerProfile } from './profiles.js';

/**
 * A Braiins OS+ miner's public API, the part the gateway's BraiinsDriver speaks, over real HTTP.
 *
 * Source: Braiins' public API definition, github.com/braiins/bos-plus-api at tag 1.11.0 (Braiins OS 26.05), read
 * from its proto files: `AuthenticationService.Login` (LoginRequest{username,password} → LoginResponse{token,
 * timeout_s}, "token validity refreshed to this value with each request"), `ActionsService.PauseMining` /
 * `ResumeMining` (→ `already_paused` / `already_mining`), `PerformanceService.SetPowerTarget` (Power{watt} →
 * SetPowerTargetResponse{power_target}) and `MinerService.GetMinerStats` (GetMinerStatsResponse{pool_stats,
 * miner_stats: WorkSolverStats{real_hashrate: RealHashrate{last_5s…}, nominal_hashrate}, power_stats:
 * MinerPowerStats{approximated_consumption: Power, efficiency}}). Braiins serves the same services as JSON over
 * HTTP (the Public REST API at developer.braiins-os.com: `POST /api/v1/auth/login`, `PUT /api/v1/actions/pause|resume`
 * answering the bare boolean, `PUT /api/v1/performance/power-target` with and echoing `{watt}`, `GET
 * /api/v1/miner/stats`), field names as in the protos (snake case). That REST form is what the driver speaks and
 * what this server answers; a request without the current token gets 401, as a lapsed token does on a miner.
 */
export interface BraiinsApiOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  readonly physics: MinerPhysics;
  readonly rng: Rng;
  /** @default 'root' / '' (Braiins OS ships with root and no password) */
  readonly username?: string;
  readonly password?: string;
  /** LoginResponse.timeout_s. @default 3600 */
  readonly tokenTimeoutS?: number;
  /** Milliseconds since the epoch: the token's idle expiry runs on the simulated clock. */
  readonly nowMs: () => number;
}

export interface BraiinsApiServer {
  readonly host: string;
  readonly port: number;
  /** Requests served, by `METHOD path`: lets tests see what the driver asked. */
  readonly requests: ReadonlyMap<string, number>;
  /** Forgets every token, as a miner restart does: the next request gets 401. */
  expireTokens(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

export async function startBraiinsApi(options: BraiinsApiOptions): Promise<BraiinsApiServer> {
  const { physics } = options;
  const username = options.username ?? 'root';
  const password = options.password ?? '';
  const timeoutS = options.tokenTimeoutS ?? 3600;
  const tokens = new Map<string, number>();
  const requests = new Map<string, number>();

  const authorized = (header: string | undefined): boolean => {
    if (!header) return false;
    const expiresMs = tokens.get(header);
    if (expiresMs === undefined || expiresMs <= options.nowMs()) {
      tokens.delete(header);
      return false;
    }
    tokens.set(header, options.nowMs() + timeoutS * 1000);
    return true;
  };

  const route = (method: string, path: string, body: unknown, auth: string | undefined): [number, unknown] => {
    if (method === 'POST' && path === '/api/v1/auth/login') {
      const login = body as { username?: unknown; password?: unknown } | null;
      if (login?.username !== username || (login?.password ?? '') !== password) {
        return [401, { code: 16, message: 'invalid username or password' }];
      }
      const token = randomToken(options.rng);
      tokens.set(token, options.nowMs() + timeoutS * 1000);
      return [200, { token, timeout_s: timeoutS }];
    }
    if (!authorized(auth)) return [401, { code: 16, message: 'unauthenticated: missing or expired token' }];
    if (method === 'PUT' && path === '/api/v1/actions/pause') {
      const already = !physics.isAwakeCommanded();
      physics.sleep();
      return [200, already];
    }
    if (method === 'PUT' && path === '/api/v1/actions/resume') {
      const already = physics.isAwakeCommanded();
      physics.wakeup();
      return [200, already];
    }
    if (method === 'PUT' && path === '/api/v1/performance/power-target') {
      const watt = (body as { watt?: unknown } | null)?.watt;
      if (typeof watt !== 'number' || !Number.isInteger(watt) || watt <= 0) {
        return [400, { code: 3, message: 'watt: a positive integer is required' }];
      }
      const profile = autotunedProfile(physics.profiles, watt);
      if (!profile) {
        const [low, high] = bounds(physics.profiles);
        return [400, { code: 3, message: `watt: power target ${watt} W outside ${low}..${high} W` }];
      }
      physics.setProfile(profile);
      return [200, { watt }];
    }
    if (method === 'GET' && path === '/api/v1/miner/stats') {
      const ghs = physics.sampleHashrateThs() * 1000;
      const powerW = Math.round(physics.powerW());
      const nominal = bounds(physics.profiles)[2];
      return [
        200,
        {
          pool_stats: { accepted_shares: physics.shares().accepted, rejected_shares: physics.shares().rejected },
          miner_stats: {
            real_hashrate: {
              last_5s: { gigahash_per_second: ghs },
              last_1m: { gigahash_per_second: physics.rollingHashrateThs(60) * 1000 },
              last_15m: { gigahash_per_second: physics.rollingHashrateThs(900) * 1000 },
            },
            nominal_hashrate: { gigahash_per_second: nominal.hashrateThs * 1000 },
          },
          power_stats: {
            approximated_consumption: { watt: powerW },
            efficiency: { joule_per_terahash: ghs > 0 ? powerW / (ghs / 1000) : 0 },
          },
        },
      ];
    }
    return [404, { code: 12, message: `${method} ${path}: not implemented by this miner` }];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://miner').pathname;
      requests.set(`${method} ${path}`, (requests.get(`${method} ${path}`) ?? 0) + 1);
      let status: number;
      let body: unknown;
      if (size > MAX_BODY_BYTES) [status, body] = [413, { code: 8, message: 'request body too large' }];
      else {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = null;
        try {
          parsed = text === '' ? null : JSON.parse(text);
          [status, body] = route(method, path, parsed, req.headers.authorization);
        } catch {
          [status, body] = [400, { code: 3, message: 'malformed JSON body' }];
        }
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  server.unref();
  return {
    host: options.host,
    port: (server.address() as AddressInfo).port,
    requests,
    expireTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** [lowest W, highest W, the stock profile]: the autotuner's range is the model's power-target curve. */
function bounds(profiles: readonly PowerProfile[]): [number, number, PowerProfile] {
  const sorted = [...profiles].sort((a, b) => a.powerW - b.powerW);
  return [sorted[0]!.powerW, sorted.at(-1)!.powerW, sorted.at(-1)!];
}

/**
 * The Braiins autotuner reaches any power target in its range (unlike LuxOS's stepped profiles): hashrate is read off
 * the model's curve by linear interpolation between its points. Outside the range: undefined (the miner refuses it).
 */
export function autotunedProfile(profiles: readonly PowerProfile[], watt: number): PowerProfile | undefined {
  const sorted = [...profiles].sort((a, b) => a.powerW - b.powerW);
  const [low, high] = bounds(sorted);
  if (watt < low || watt > high) return undefined;
  for (let i = 0; i < sorted.length; i++) {
    const upper = sorted[i]!;
    if (watt > upper.powerW) continue;
    const lower = sorted[i - 1];
    const hashrateThs =
      lower === undefined || upper.powerW === watt
        ? upper.hashrateThs
        : lower.hashrateThs +
          ((upper.hashrateThs - lower.hashrateThs) * (watt - lower.powerW)) / (upper.powerW - lower.powerW);
    return { name: `power-target-${watt}W`, powerW: watt, hashrateThs };
  }
  return undefined;
}

function randomToken(rng: Rng): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let token = '';
  for (let i = 0; i < 16; i++) token += alphabet[Math.floor(rng.next() * alphabet.length)];
  return token;
}
