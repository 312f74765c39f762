import { KeyedLanes } from '../../../core/support/keyed-lanes.js';

/** A run whose items finish only when the test says so, recording what ran and how many ran at once. */
function gatedRun() {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const run = async (item: string) => {
    started.push(item);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running -= 1;
  };
  const releaseNext = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { run, started, releaseNext, mostAtOnce: () => mostAtOnce };
}

describe('KeyedLanes (bounded, one at a time per key)', () => {
  it('runs one item at a time per key, in order, and refuses a re-sent item already waiting or running', async () => {
    // Prepare
    const gated = gatedRun();
    const lanes = new KeyedLanes(gated.run, 4);

    // Act: batch 1 starts, 2 waits; 1 and 2 are re-sent while they wait
    const offers = [
      lanes.offer('gw-a', '1', 'a1'),
      lanes.offer('gw-a', '2', 'a2'),
      lanes.offer('gw-a', '1', 'a1 again'),
      lanes.offer('gw-a', '2', 'a2 again'),
    ];
    await gated.releaseNext();
    await gated.releaseNext();
    await lanes.idle();

    // Assess
    expect(offers).toEqual(['queued', 'queued', 'duplicate', 'duplicate']);
    expect(gated.started).toEqual(['a1', 'a2']);
    expect(gated.mostAtOnce()).toBe(1);
    expect(lanes.pending).toBe(0);
  });

  it('bounds the backlog of a slow key, keeps other keys going, and takes an item again once it is done', async () => {
    // Prepare
    const gated = gatedRun();
    const lanes = new KeyedLanes(gated.run, 2);

    // Act: a1 runs, a2 and a3 wait, a4 is refused; b1 runs beside a1
    const a = ['1', '2', '3', '4'].map((id) => lanes.offer('gw-a', id, `a${id}`));
    const b = lanes.offer('gw-b', '1', 'b1');
    const pendingWhileSlow = lanes.pending;
    for (let i = 0; i < 4; i += 1) await gated.releaseNext();
    await lanes.idle();
    const again = lanes.offer('gw-a', '1', 'a1 re-sent after it was stored');
    await gated.releaseNext();
    await lanes.idle();

    // Assess
    expect(a).toEqual(['queued', 'queued', 'queued', 'full']);
    expect(b).toBe('queued');
    expect(pendingWhileSlow).toBe(4);
    expect(gated.mostAtOnce()).toBe(2);
    expect(again).toBe('queued');
    expect(gated.started).toEqual(['a1', 'b1', 'a2', 'a3', 'a1 re-sent after it was stored']);
  });

  it('goes on after a failed item and refuses a queue bound that is not a positive integer', async () => {
    // Prepare
    const ran: string[] = [];
    const lanes = new KeyedLanes(async (item: string) => {
      ran.push(item);
      if (item === 'bad') throw new Error('store down');
    }, 2);

    // Act
    lanes.offer('k', '1', 'bad');
    lanes.offer('k', '2', 'good');
    await lanes.idle();

    // Assess
    expect(ran).toEqual(['bad', 'good']);
    expect(() => new KeyedLanes(async () => {}, 0)).toThrow(/maxQueuedPerKey/);
  });
});
