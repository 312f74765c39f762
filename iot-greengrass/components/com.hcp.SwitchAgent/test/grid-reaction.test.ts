import type { GridSignal } from '../../../../core/messages/grid-signal.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import { switchAgentConfigSchema } from '../src/config.js';
import { CurtailmentBook } from '../src/curtailment-book.js';
import { gridPolicy, gridReaction, parseGridSignal } from '../src/grid-reaction.js';

const at = '2026-07-01T15:00:00Z';
const ladder: LadderRung[] = [
  { groupId: 'a', kind: 'asic', stopAbovePriceUsdPerMwh: 50, sheddableKw: 1000 },
  { groupId: 'b', kind: 'asic', stopAbovePriceUsdPerMwh: 100, sheddableKw: 1000 },
  { groupId: 'gpu', kind: 'gpu', stopAbovePriceUsdPerMwh: 400, sheddableKw: 1000 },
];
const policy = { priceHysteresisUsdPerMwh: 10, frequencyRestoreHz: 59.9, tripGroups: ['a'], committedMw: 1.5 };
const price = (priceUsdPerMwh: number): GridSignal => ({ kind: 'price', at, node: 'HB_WEST', priceUsdPerMwh });
const frequency = (frequencyHz: number): GridSignal => ({ kind: 'frequency', at, node: 'HB_WEST', frequencyHz });
const dr = (action: 'deploy' | 'recall', deployMw?: number): GridSignal => ({
  kind: 'demand-response',
  at,
  node: 'HB_WEST',
  eventId: 'ev-1',
  action,
  ...(deployMw ? { deployMw } : {}),
});

describe('SwitchAgent grid reaction', () => {
  it('holds the rungs a price is above and lets back only those it is the hysteresis below', () => {
    // Act
    const spike = gridReaction(price(120), ladder, policy);
    const easing = gridReaction(price(45), ladder, policy);

    // Assess: at 45 rung a (50) is still within the 10 $/MWh band, b (100) may come back
    expect(spike).toEqual({ reason: 'price', hold: ['a', 'b'], release: ['gpu'] });
    expect(easing).toEqual({ reason: 'price', hold: [], release: ['b', 'gpu'] });
  });

  it('trips the trip groups below 59.7 Hz, changes nothing in the recovery band, releases at the restore frequency', () => {
    expect(gridReaction(frequency(59.6), ladder, policy)).toEqual({ reason: 'frequency', hold: ['a'] });
    expect(gridReaction(frequency(59.8), ladder, policy)).toEqual({ reason: 'frequency' });
    expect(gridReaction(frequency(59.9), ladder, policy)).toEqual({ reason: 'frequency', release: 'all' });
  });

  it('sheds the cheapest rungs covering a deployment, the commitment when it names no amount, until recalled', () => {
    expect(gridReaction(dr('deploy', 0.5), ladder, policy)).toEqual({ reason: 'demand-response', hold: ['a'] });
    expect(gridReaction(dr('deploy'), ladder, policy)).toEqual({ reason: 'demand-response', hold: ['a', 'b'] });
    expect(gridReaction(dr('recall'), ladder, policy)).toEqual({ reason: 'demand-response', release: 'all' });
  });

  it('applies a price change to the book without touching a hold for another reason', () => {
    // Prepare
    const devices = new Map([
      ['a', ['a1']],
      ['b', ['b1']],
    ]);
    const book = new CurtailmentBook({ minCurtailedMs: 0, restoreBatchSize: 10, restoreBatchIntervalMs: 0 });
    book.change(gridReaction(frequency(59.5), ladder, policy), 0, devices);
    book.change(gridReaction(price(120), ladder, policy), 0, devices);

    // Act
    book.change(gridReaction(price(10), ladder, policy), 1000, devices);
    book.step(1000, devices);

    // Assess: b is back; a stays held by the frequency trip
    expect(book.heldGroups()).toEqual(['a']);
    expect(book.heldFor('frequency')).toEqual(['a']);
  });

  it('reads the trip groups and the commitment from the site model unless configured', () => {
    // Prepare
    const site = {
      asicGroups: [
        { id: 'a', frequencyTrip: true },
        { id: 'b', frequencyTrip: false },
      ],
      demandResponse: [{ committedMw: 2 }, { committedMw: 0.5 }],
    } as unknown as Site;
    const config = switchAgentConfigSchema.parse({ siteId: 'site-west-1' });

    // Act
    const fromSite = gridPolicy(config, site);
    const configured = gridPolicy({ ...config, frequencyTripGroups: ['b'], committedMw: 4 }, site);

    // Assess
    expect(fromSite).toMatchObject({ tripGroups: ['a'], committedMw: 2.5, frequencyRestoreHz: 59.9 });
    expect(configured).toMatchObject({ tripGroups: ['b'], committedMw: 4 });
  });

  it('names why a grid message is not a signal', () => {
    expect(parseGridSignal('not json')).toEqual({ ok: false, detail: 'not JSON' });
    expect(parseGridSignal(JSON.stringify({ ...frequency(70) })).ok).toBe(false);
    expect(parseGridSignal(JSON.stringify(price(30)))).toEqual({ ok: true, signal: price(30) });
  });
});
