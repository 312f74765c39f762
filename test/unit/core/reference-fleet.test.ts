import { asicGroupFullPowerKw, fleetSchema, referenceFleet } from '../../../core/index.js';

describe('reference fleet', () => {
  it('has three ERCOT sites with S19 XP, S21 and S21 Hydro groups and H100/H200 pools', () => {
    const models = referenceFleet.sites.flatMap((s) => [...s.asicGroups, ...s.gpuPools].map((g) => g.model));
    expect(referenceFleet.sites).toHaveLength(3);
    expect(new Set(models)).toEqual(
      new Set(['Antminer S19 XP', 'Antminer S21', 'Antminer S21 Hydro', 'NVIDIA H100 SXM5', 'NVIDIA H200 SXM']),
    );
  });

  it('round-trips through its schema unchanged', () => {
    expect(fleetSchema.parse(JSON.parse(JSON.stringify(referenceFleet)))).toEqual(referenceFleet);
  });

  it('binds the interconnect at site-west-1 only when everything runs at full power', () => {
    const allOnMw = referenceFleet.sites.map((site) => {
      const asicKw = site.asicGroups.reduce((sum, g) => sum + asicGroupFullPowerKw(g), 0);
      const gpuKw = site.gpuPools.reduce((sum, p) => sum + (p.servingPowerW * p.count) / 1000, 0);
      return { id: site.id, mw: ((asicKw + gpuKw) * site.pue) / 1000, limit: site.interconnectLimitMw };
    });
    expect(allOnMw.filter((s) => s.mw > s.limit).map((s) => s.id)).toEqual(['site-west-1']);
  });
});
