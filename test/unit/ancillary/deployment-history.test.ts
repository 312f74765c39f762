import {
  deploymentProbability,
  ERCOT_LOAD_RESOURCE_DEPLOYMENTS,
  ercotDeploymentProbabilities,
} from '../../../core/ancillary/deployment-history.js';

describe('ERCOT load-resource deployment history', () => {
  it('turns deployed hours over the window into the chance a held MW is deployed in an hour', () => {
    // Prepare: 3.76 h in 2019-01-01..2025-01-01 (52,608 h: 2,192 days).
    const record = { ...ERCOT_LOAD_RESOURCE_DEPLOYMENTS['ERS-10'] };
    // Assess
    expect(deploymentProbability(record)).toBeCloseTo(3.76 / 52_608, 10);
  });

  it('gives every product a probability from a sourced record, each small (deployments are rare)', () => {
    // Act
    const probabilities = ercotDeploymentProbabilities();
    // Assess
    for (const [product, p] of Object.entries(probabilities)) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(0.001);
      for (const event of ERCOT_LOAD_RESOURCE_DEPLOYMENTS[product as keyof typeof probabilities].events) {
        expect(event.source.length).toBeGreaterThan(20);
      }
    }
  });

  it('refuses a record whose window is empty', () => {
    // Assess
    expect(() => deploymentProbability({ product: 'ECRS', from: '2024-01-01', to: '2024-01-01', events: [] })).toThrow(
      /window/,
    );
  });
});
