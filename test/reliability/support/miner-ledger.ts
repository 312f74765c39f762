import type { VirtualMiner } from '../../../sim/devices/asic/virtual-miner.js';

/**
 * Ground truth of switching from the virtual miners themselves: every LuxOS `curtail sleep|wakeup` that reached a
 * miner's physics, and how many of those changed its state. A switch sent twice for one decision shows up as a
 * command that changed nothing (harmless re-assertion) or as a state flapping back and forth (a double switch).
 */
export interface MinerRecord {
  commands: number;
  transitions: number;
  /** `true` for awake, in the order the miner was commanded. */
  readonly history: boolean[];
}

export interface MinerLedger {
  readonly byMiner: ReadonlyMap<string, MinerRecord>;
  totals(): { commands: number; transitions: number };
  /** Starts counting afresh from the miners' present state (e.g. once the first plan is applied). */
  reset(): void;
}

export function recordMinerCommands(miners: readonly VirtualMiner[]): MinerLedger {
  const byMiner = new Map<string, MinerRecord>();
  const reset = () => {
    for (const miner of miners) {
      const awake = miner.context.physics.isAwakeCommanded();
      byMiner.set(miner.context.identity.id, { commands: 0, transitions: 0, history: [awake] });
    }
  };
  reset();
  for (const miner of miners) {
    const physics = miner.context.physics;
    const id = miner.context.identity.id;
    const wrap = (original: () => void, awake: boolean) => () => {
      const record = byMiner.get(id)!;
      record.commands += 1;
      if (physics.isAwakeCommanded() !== awake) {
        record.transitions += 1;
        record.history.push(awake);
      }
      original();
    };
    physics.sleep = wrap(physics.sleep.bind(physics), false);
    physics.wakeup = wrap(physics.wakeup.bind(physics), true);
  }
  return {
    byMiner,
    reset,
    totals: () =>
      [...byMiner.values()].reduce(
        (sum, r) => ({ commands: sum.commands + r.commands, transitions: sum.transitions + r.transitions }),
        { commands: 0, transitions: 0 },
      ),
  };
}
