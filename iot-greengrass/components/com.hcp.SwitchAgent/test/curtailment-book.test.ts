import { CurtailmentBook } from '../src/curtailment-book.js';

const devices = new Map([
  ['a', ['a1', 'a2', 'a3', 'a4', 'a5']],
  ['b', ['b1', 'b2']],
]);
const policy = { minCurtailedMs: 60_000, restoreBatchSize: 2, restoreBatchIntervalMs: 5_000 };

describe('curtailment book', () => {
  it('holds a group until every reason is gone and the minimum curtailed time has passed', () => {
    // Prepare
    const book = new CurtailmentBook(policy);
    book.hold('a', 'price', 0, devices.get('a')!);
    book.hold('a', 'frequency', 1000, devices.get('a')!);

    // Act
    book.release('a', 'price');
    book.step(70_000, devices);
    const stillHeld = book.heldDevices(devices).size;
    book.release('a', 'frequency');
    book.step(30_000, devices);
    const beforeMinimum = book.heldDevices(devices).size;
    book.step(60_000, devices);

    // Assess
    expect(stillHeld).toBe(5);
    expect(beforeMinimum).toBe(5);
    expect([...book.heldDevices(devices)]).toEqual(['a3', 'a4', 'a5']);
  });

  it('restores in batches no faster than the batch interval', () => {
    const book = new CurtailmentBook(policy);
    book.hold('a', 'price', 0, devices.get('a')!);
    book.release('a', 'price');
    const held: number[] = [];
    for (const t of [60_000, 61_000, 65_000, 69_000, 70_000]) {
      book.step(t, devices);
      held.push(book.heldDevices(devices).size);
    }
    expect(held).toEqual([3, 3, 1, 1, 0]);
  });

  it('takes devices out of the restore queue when their group is held again', () => {
    const book = new CurtailmentBook(policy);
    book.hold('a', 'price', 0, devices.get('a')!);
    book.release('a', 'price');
    book.step(60_000, devices);
    book.hold('a', 'demand-response', 61_000, devices.get('a')!);
    book.release('a', 'demand-response');
    book.step(62_000, devices);
    expect(book.heldDevices(devices).size).toBe(5);
  });

  it('survives a snapshot round trip', () => {
    const book = new CurtailmentBook(policy);
    book.hold('b', 'command', 5, devices.get('b')!);
    const copy = new CurtailmentBook(policy, JSON.parse(JSON.stringify(book.snapshot())));
    expect(copy.heldGroups()).toEqual(['b']);
    expect(copy.heldFor('command')).toEqual(['b']);
  });
});
