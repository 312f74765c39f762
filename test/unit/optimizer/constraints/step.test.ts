import { stepTimes } from '../../../../core/optimizer/constraints/step.js';

describe('step times', () => {
  it('places uneven steps end to end from the horizon start', () => {
    // Prepare / Act
    const times = stepTimes([0.25, 0.5, 1]);
    // Assess
    expect(times.startHours).toEqual([0, 0.25, 0.75]);
    expect(times.endHours).toEqual([0.25, 0.75, 1.75]);
  });
});
