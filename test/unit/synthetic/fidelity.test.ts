import { formatFidelityTable } from '../../../core/synthetic/fidelity.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { FIDELITY_SEED, fidelityReport } from '../../../sim/synthetic/fidelity-check.js';

describe('synthetic price fidelity against the real HB_SOUTH file', () => {
  it('matches every statistic within its stated tolerance (the table `npm run gen -- --compare` prints)', () => {
    // Prepare
    const calibration = loadCalibration();

    // Act
    const report = fidelityReport(calibration, FIDELITY_SEED);

    // Assess
    const failures = report.rows.filter((row) => !row.pass);
    expect({ failures: failures.map((f) => f.label), table: formatFidelityTable(report.rows) }).toEqual({
      failures: [],
      table: expect.any(String),
    });
    expect(report.rows.map((r) => r.label)).toEqual(
      expect.arrayContaining([
        'p50 $/MWh',
        'p90 $/MWh',
        'p99 $/MWh',
        'share > $100',
        'share > $1,000',
        'mean spike h',
        'ACF 1 h',
        'ACF 24 h',
      ]),
    );
  });

  it('is not a lucky seed: over seeds 1–8 every row passes in at least half of them', () => {
    // Act
    const report = fidelityReport(loadCalibration(), FIDELITY_SEED, 8);

    // Assess
    const rates = Object.fromEntries(report.rows.map((row, k) => [row.label, report.passRate![k]]));
    for (const label of Object.keys(rates))
      expect({ label, atLeastHalf: rates[label]! >= 4 }).toEqual({ label, atLeastHalf: true });
  });

  it('produces spikes and negative prices inside the ERCOT floor and cap', () => {
    // Prepare
    const calibration = loadCalibration();

    // Act
    const rows = fidelityReport(calibration, 7).rows;

    // Assess
    const synthetic = (label: string) => rows.find((r) => r.label === label)!.synthetic;
    expect(synthetic('share > $100')).toBeGreaterThan(0.003);
    expect(synthetic('share < $0')).toBeGreaterThan(0.01);
  });
});
