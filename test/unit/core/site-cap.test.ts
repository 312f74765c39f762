import { drCeilingKw, siteCapKw } from '../../../core/model/site.js';

describe('the site cap', () => {
  it('is the interconnect limit in kW', () => {
    // Assess
    expect(siteCapKw({ interconnectLimitMw: 12.5 })).toBe(12_500);
  });

  it('takes a tighter cap for the interval, never a looser one', () => {
    // Assess
    expect(siteCapKw({ interconnectLimitMw: 10 }, 8_000)).toBe(8_000);
    expect(siteCapKw({ interconnectLimitMw: 10 }, 15_000)).toBe(10_000);
  });
});

describe('the demand-response ceiling', () => {
  it('is the baseline less the committed MW, in kW, and never below zero', () => {
    // Assess
    expect(drCeilingKw(9_000, { committedMw: 2 })).toBe(7_000);
    expect(drCeilingKw(1_500, { committedMw: 2 })).toBe(0);
  });
});
