import type { DeviceDriver, DeviceResult, GatewayDevice } from '../../../adapters/device-port.js';
import { DeviceReconciler } from '../src/device-reconciler.js';

const device: GatewayDevice = { id: 'm1', kind: 'asic', groupId: 'g', address: '127.0.0.1', port: 4028 };

/** A miner that accepts or refuses per call, and reads back whatever it is told to. */
function fakeDriver(accepts: boolean[], readsOn: () => boolean) {
  const calls: string[] = [];
  const driver: DeviceDriver = {
    async setPowered(_d, on): Promise<DeviceResult<void>> {
      calls.push(on ? 'wakeup' : 'sleep');
      return (accepts.shift() ?? true)
        ? { ok: true, value: undefined }
        : { ok: false, failure: { kind: 'timeout', detail: '' } };
    },
    async readPowered() {
      return { ok: true, value: readsOn() };
    },
    async read() {
      return { ok: false, failure: { kind: 'unsupported', detail: '' } };
    },
    async setPowerTarget(_d, watts) {
      calls.push(`profile ${watts}`);
      return { ok: true, value: undefined };
    },
  };
  return { driver, calls };
}

describe('device reconciler', () => {
  it('retries a device that refused and marks it drifted after maxAttempts', async () => {
    // Prepare
    const { driver, calls } = fakeDriver([false, false, false], () => true);
    const reconciler = new DeviceReconciler([device], driver, { maxAttempts: 3, concurrency: 4 });
    const off = new Map([['m1', { on: false }]]);

    // Act: the change is sent once; retries come from the tick's retry pass.
    await reconciler.apply(off);
    await reconciler.apply(off);
    for (let i = 0; i < 3; i++) await reconciler.retryPending();

    // Assess
    expect(calls).toEqual(['sleep', 'sleep', 'sleep']);
    expect(reconciler.status('m1')).toMatchObject({ status: 'drifted', attempts: 3 });
  });

  it('switches a drifted device again once telemetry sees it back in the wrong state', async () => {
    // Prepare: three refusals make it drifted while it keeps hashing
    const { driver, calls } = fakeDriver([false, false, false], () => false);
    const reconciler = new DeviceReconciler([device], driver, { maxAttempts: 3, concurrency: 4 });
    await reconciler.apply(new Map([['m1', { on: false }]]));
    for (let i = 0; i < 2; i++) await reconciler.retryPending();
    expect(reconciler.status('m1')?.status).toBe('drifted');
    await reconciler.retryPending();
    expect(calls).toHaveLength(3);

    // Act: telemetry reads it hashing, then the tick's retry pass
    reconciler.observe('m1', true);
    await reconciler.retryPending();

    // Assess: sent again and accepted; then read back asleep
    expect(calls).toEqual(['sleep', 'sleep', 'sleep', 'sleep']);
    expect(reconciler.status('m1')).toMatchObject({ status: 'accepted', attempts: 0 });
    await reconciler.verify();
    expect(reconciler.status('m1')?.status).toBe('confirmed');
  });

  it('confirms only from a read-back, and sends again when the device reads back wrong', async () => {
    let on = true;
    const { driver, calls } = fakeDriver([], () => on);
    const reconciler = new DeviceReconciler([device], driver, { maxAttempts: 3, concurrency: 4 });
    const off = new Map([['m1', { on: false }]]);
    await reconciler.apply(off);
    expect(reconciler.status('m1')?.status).toBe('accepted');
    await reconciler.verify();
    expect(reconciler.status('m1')?.status).toBe('pending');
    on = false;
    await reconciler.retryPending();
    await reconciler.verify();
    expect(reconciler.status('m1')?.status).toBe('confirmed');
    expect(calls).toEqual(['sleep', 'sleep']);
  });

  it('sends a running device its power target after waking it, and only the new target when it changes', async () => {
    const { driver, calls } = fakeDriver([], () => true);
    const reconciler = new DeviceReconciler([device], driver, { maxAttempts: 3, concurrency: 4 });
    await reconciler.apply(new Map([['m1', { on: true, powerW: 2450 }]]));
    await reconciler.apply(new Map([['m1', { on: true, powerW: 2450 }]]));
    await reconciler.apply(new Map([['m1', { on: true, powerW: 2975 }]]));
    // The device accepted running: a new target is one request, no `curtail wakeup` before it.
    expect(calls).toEqual(['wakeup', 'profile 2450', 'profile 2975']);
  });

  it('lowers a running miner for the site power controller, sets it back to full power, and sleeps a held one', async () => {
    // Prepare
    const { driver, calls } = fakeDriver([], () => true);
    const reconciler = new DeviceReconciler([device], driver, {
      maxAttempts: 3,
      concurrency: 4,
      fullPowerWByGroup: new Map([['g', 3010]]),
    });
    const targets = new Map([['m1', { on: true }]]);
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

    // Assess: the firmware keeps its last target, so raising sends the group's full power explicitly.
    expect(lowered).toEqual(['profile 1505']);
    expect(raised).toEqual(['profile 3010']);
    expect(again).toEqual([]);
    expect(held).toEqual(['sleep']);
  });

  it('switches a confirmed device again when telemetry sees it in the wrong state', async () => {
    const { driver, calls } = fakeDriver([], () => false);
    const reconciler = new DeviceReconciler([device], driver, { maxAttempts: 3, concurrency: 4 });
    const off = new Map([['m1', { on: false }]]);
    await reconciler.apply(off);
    await reconciler.verify();
    reconciler.observe('m1', true);
    await reconciler.retryPending();
    expect(calls).toEqual(['sleep', 'sleep']);
  });
});
