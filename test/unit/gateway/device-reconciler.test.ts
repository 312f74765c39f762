import type { DeviceDriver, GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import { DeviceReconciler } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/device-reconciler.js';
import { TARGET_ON } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/target-state.js';

const device: GatewayDevice = { id: 'm1', kind: 'asic', groupId: 's19', address: '127.0.0.1', port: 4028 };

/** A driver that accepts everything and records what it was asked, in order. */
function recordingDriver(calls: string[]): DeviceDriver {
  const ok = async () => ({ ok: true as const, value: undefined });
  return {
    setPowered: async (d, on) => {
      calls.push(`${d.id} ${on ? 'wakeup' : 'sleep'}`);
      return ok();
    },
    setPowerTarget: async (d, watts) => {
      calls.push(`${d.id} ${watts}W`);
      return ok();
    },
    readPowered: async () => ({ ok: true, value: true }),
    read: async () => ({ ok: false, failure: { kind: 'timeout', detail: 'not used' } }),
  };
}

describe('DeviceReconciler with the site power controller', () => {
  it('lowers a running miner with its power target alone, sets it back to full power, and sleeps a held one', async () => {
    // Prepare
    const calls: string[] = [];
    const reconciler = new DeviceReconciler([device], recordingDriver(calls), {
      maxAttempts: 3,
      concurrency: 4,
      fullPowerWByGroup: new Map([['s19', 3010]]),
    });
    const targets = new Map([['m1', TARGET_ON]]);
    await reconciler.apply(targets);
    calls.length = 0;

    // Act
    await reconciler.apply(targets, new Set(), new Map([['m1', 1505]]));
    const lowered = calls.splice(0);
    await reconciler.apply(targets, new Set(), new Map());
    const raised = calls.splice(0);
    await reconciler.apply(targets, new Set(), new Map());
    const again = calls.splice(0);
    await reconciler.apply(targets, new Set(['m1']), new Map([['m1', 1505]]));
    const held = calls.splice(0);

    // Assess
    expect(lowered).toEqual(['m1 1505W']);
    expect(raised).toEqual(['m1 3010W']);
    expect(again).toEqual([]);
    expect(held).toEqual(['m1 sleep']);
  });
});
