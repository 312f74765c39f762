import { workloadRequestSchema } from '../../../core/model/workload.js';
import { localCalendar } from '../../../core/synthetic/calendar.js';
import { workloadScenarioSchema } from '../../../core/synthetic/scenario.js';
import { ARRIVAL_SHAPE, generateTenants, workloadStream } from '../../../core/synthetic/workloads.js';

const startMs = Date.parse('2025-01-13T06:00:00Z'); // Monday 00:00 Central
const timeZone = 'America/Chicago';

function jobs(scenario: Record<string, unknown>, days: number, seed = 4) {
  return [...workloadStream({ scenario: workloadScenarioSchema.parse(scenario), startMs, days, timeZone, seed })];
}

describe('synthetic inference workloads', () => {
  it('arrive with the diurnal peak at 14:00 local and fewer on weekends', () => {
    // Prepare: no bursts, so the shape alone shows.
    const all = jobs({ jobsPerHour: 100, burstsPerDay: 0 }, 14);

    // Act
    const byHour = new Array<number>(24).fill(0);
    let weekday = 0;
    let weekend = 0;
    for (const job of all) {
      const calendar = localCalendar(Date.parse(job.submittedAt), timeZone);
      byHour[calendar.hour]! += 1;
      if (calendar.dayOfWeek === 0 || calendar.dayOfWeek === 6) weekend++;
      else weekday++;
    }

    // Assess
    const peakHour = byHour.indexOf(Math.max(...byHour));
    expect(Math.abs(peakHour - ARRIVAL_SHAPE.peakHour)).toBeLessThanOrEqual(1);
    const troughHour = byHour.indexOf(Math.min(...byHour));
    expect([1, 2, 3]).toContain(troughHour);
    // Per day: weekdays 1.15 vs weekends 0.625 → 1.84×.
    expect(weekday / 10 / (weekend / 4)).toBeGreaterThan(1.6);
    expect(weekday / 10 / (weekend / 4)).toBeLessThan(2.1);
    // Mean rate over whole weeks.
    expect(all.length / (14 * 24)).toBeGreaterThan(95);
    expect(all.length / (14 * 24)).toBeLessThan(105);
  });

  it('adds bursts: one tenant, one model, many jobs within an hour', () => {
    const all = jobs({ jobsPerHour: 60, burstsPerDay: 4 }, 3);
    const bursts = new Map<string, typeof all>();
    for (const job of all) if (job.burstId) bursts.set(job.burstId, [...(bursts.get(job.burstId) ?? []), job]);
    expect(bursts.size).toBeGreaterThan(3);
    for (const members of bursts.values()) {
      expect(new Set(members.map((j) => j.tenantId)).size).toBe(1);
      expect(new Set(members.map((j) => j.request.modelId)).size).toBe(1);
      const span = Date.parse(members[members.length - 1]!.submittedAt) - Date.parse(members[0]!.submittedAt);
      expect(span).toBeLessThanOrEqual(61 * 60_000);
    }
  });

  it('emits valid requests: real open-model ids, both tiers, deadlines after submission', () => {
    const all = jobs({ jobsPerHour: 100 }, 1);
    for (const job of all) {
      expect(workloadRequestSchema.safeParse(job.request).success).toBe(true);
      expect(Date.parse(job.request.deadline)).toBeGreaterThan(Date.parse(job.submittedAt));
    }
    expect(new Set(all.map((j) => j.request.tier))).toEqual(new Set(['guaranteed', 'flex']));
    expect(new Set(all.map((j) => j.request.modelId))).toEqual(
      new Set([
        'meta-llama/Llama-3.1-8B-Instruct',
        'meta-llama/Llama-3.1-70B-Instruct',
        'mistralai/Mixtral-8x7B-Instruct-v0.1',
      ]),
    );
    expect(new Set(all.map((j) => j.idempotencyKey)).size).toBe(all.length);
  });

  it('keeps tenant ids stable for a seed', () => {
    expect(generateTenants(5, 9)).toEqual(generateTenants(5, 9));
    expect(generateTenants(5, 9)[0]!.tenantId).not.toBe(generateTenants(5, 10)[0]!.tenantId);
  });
});
