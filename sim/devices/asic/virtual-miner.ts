import type { AsicGroup } from '../../../core/model/site.js';
import type { Clock } from '../../../core/support/clock.js';
import { seededRng } from '../../../core/support/random.js';
import type { AsicInventoryItem } from '../inventory.js';
import { type BraiinsApiServer, startBraiinsApi } from './braiins-api.js';
import { answerRequest, type MinerContext } from './cgminer-api.js';
import { LuxSessions } from './lux-sessions.js';
import { MinerPhysics, type MinerPhysicsOptions } from './physics.js';
import { profilesFor } from './profiles.js';
import { type RequestServer, startRequestServer } from './tcp-server.js';

export interface VirtualMinerOptions {
  readonly item: AsicInventoryItem;
  readonly group: AsicGroup;
  readonly clock: Clock;
  readonly seed: number;
  /** Overrides of the physics defaults (failure rate, ambient, noise…). */
  readonly physics?: Partial<Omit<MinerPhysicsOptions, 'profiles'>>;
  /** The miner's firmware, hence its API: LuxOS and stock cgminer on TCP 4028, Braiins OS+ over HTTP. @default 'luxos' */
  readonly firmware?: 'luxos' | 'cgminer';
}

/** A miner's state and API without the network: what the TCP endpoint serves, also usable directly in tests. */
export function createMinerContext(options: VirtualMinerOptions): MinerContext {
  const { item, group, clock, seed } = options;
  const physics = new MinerPhysics(
    {
      profiles: profilesFor(group),
      sleepPowerW: group.sleepPowerW,
      wakeSeconds: group.wakeSeconds,
      sleepSeconds: group.sleepSeconds,
      ...options.physics,
    },
    clock,
    seededRng(seed),
  );
  return {
    identity: {
      id: item.id,
      model: group.model,
      serial: item.serial,
      mac: item.mac,
      lanIp: item.lanIp,
      hostname: item.hostname,
      firmware: item.firmware,
      poolUrl: 'stratum+tcp://btc.pool.invalid:3333',
      poolUser: `hcp.${item.hostname}`,
    },
    physics,
    sessions: new LuxSessions(clock, seededRng(seed ^ 0x5e55)),
    clock,
    ...(options.firmware ? { firmware: options.firmware } : {}),
  };
}

export interface VirtualMiner {
  readonly item: AsicInventoryItem;
  readonly context: MinerContext;
  readonly server: RequestServer;
}

export async function startVirtualMiner(
  options: VirtualMinerOptions & { host: string; port: number },
): Promise<VirtualMiner> {
  const context = createMinerContext(options);
  const server = await startRequestServer({ host: options.host, port: options.port }, (request) =>
    answerRequest(context, request),
  );
  return { item: options.item, context, server };
}

export interface VirtualBraiinsMiner {
  readonly item: AsicInventoryItem;
  readonly context: MinerContext;
  readonly server: BraiinsApiServer;
}

/** A Braiins OS+ miner: the same physics as the LuxOS one, behind Braiins' public API (sim/devices/asic/braiins-api.ts). */
export async function startVirtualBraiinsMiner(
  options: Omit<VirtualMinerOptions, 'firmware'> & { host: string; port: number; password?: string },
): Promise<VirtualBraiinsMiner> {
  const context = createMinerContext(options);
  const server = await startBraiinsApi({
    host: options.host,
    port: options.port,
    physics: context.physics,
    rng: seededRng(options.seed ^ 0xb0a5),
    nowMs: () => options.clock.nowMs(),
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  return { item: options.item, context, server };
}
