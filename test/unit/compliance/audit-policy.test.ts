import { advisoriesIn, judgeAudit, MAX_EXPIRY_DAYS } from '../../../bin/compliance/audit-policy.js';

const GHSA = 'GHSA-9w5j-4mwv-2wj8';
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'left-pad': {
      via: [{ name: 'left-pad', url: `https://github.com/advisories/${GHSA}`, severity: 'high', title: 'planted' }],
    },
    // Listed only because it depends on left-pad: not an advisory of its own.
    'pads-things': { via: ['left-pad'] },
  },
};
const entry = (expires: string) => ({ advisory: GHSA, package: 'left-pad', reason: 'x'.repeat(30), expires });

describe('the dependency-audit policy', () => {
  it('reads each advisory once, by GHSA id and package, and skips packages that only depend on one', () => {
    // Act
    const advisories = advisoriesIn(report);

    // Assess
    expect(advisories).toEqual([{ advisory: GHSA, package: 'left-pad', severity: 'high', title: 'planted' }]);
  });

  it('holds an entry through its expiry day and fails it the day after', () => {
    // Prepare
    const advisories = advisoriesIn(report);
    const allowlist = { entries: [entry('2026-12-07')] };

    // Act
    const [onTheDay, dayAfter] = [
      judgeAudit(advisories, allowlist, '2026-12-07'),
      judgeAudit(advisories, allowlist, '2026-12-08'),
    ];

    // Assess
    expect(onTheDay.passed).toBe(true);
    expect(dayAfter.expired).toEqual(allowlist.entries);
    expect(dayAfter.untriaged.map((a) => a.advisory)).toEqual([GHSA]);
    expect(dayAfter.passed).toBe(false);
  });

  it(`fails an entry whose expiry is more than ${MAX_EXPIRY_DAYS} days ahead, and an expired entry nothing matches`, () => {
    // Act
    const tooFar = judgeAudit(advisoriesIn(report), { entries: [entry('2027-06-06')] }, '2026-12-07');
    const stale = judgeAudit([], { entries: [entry('2026-01-01')] }, '2026-12-07');

    // Assess
    expect(tooFar.tooFar).toHaveLength(1);
    expect(tooFar.passed).toBe(false);
    expect(stale.unused).toHaveLength(1);
    expect(stale.passed).toBe(false);
  });

  it('refuses a report that is not npm audit report version 2, naming the field', () => {
    expect(() => advisoriesIn({ error: { code: 'E405' } })).toThrow(/auditReportVersion/);
  });
});
