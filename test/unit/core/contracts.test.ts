import type { z } from 'zod';
import {
  ackSchema,
  asicGroupSchema,
  commandSchema,
  fleetSchema,
  gridSignalSchema,
  marketSnapshotSchema,
  parseOrThrow,
  parseSiteTopic,
  parseWith,
  planSchema,
  referenceFleet,
  siteSchema,
  siteTopic,
  telemetryBatchSchema,
  ValidationError,
  workloadRequestSchema,
} from '../../../core/index.js';
import {
  validAck,
  validCommand,
  validGridSignal,
  validMarketSnapshot,
  validPlan,
  validTelemetryBatch,
  validWorkloadRequest,
} from '../../support/fixtures.js';

type Mutation = (value: Record<string, any>) => void;

/** Each contract: a valid instance, and mutations that must be refused with the named field. */
const cases: Array<{ name: string; schema: z.ZodType; valid: () => unknown; invalid: Array<[string, Mutation]> }> = [
  {
    name: 'Site',
    schema: siteSchema,
    valid: () => structuredClone(referenceFleet.sites[0]),
    invalid: [
      ['marketNode', (s) => (s.marketNode = 'hb west')],
      ['interconnectLimitMw', (s) => (s.interconnectLimitMw = -1)],
      ['pue', (s) => (s.pue = 0.9)],
      ['asicGroups[0].unitCount', (s) => (s.asicGroups[0].unitCount = 1.5)],
      ['asicGroups[0].powerCurve', (s) => s.asicGroups[0].powerCurve.reverse()],
      ['gpuPools[0].servingPowerW', (s) => (s.gpuPools[0].servingPowerW = 0)],
      ['demandResponse[0].program', (s) => (s.demandResponse[0].program = 'ERS-5')],
      ['id', (s) => (s.id = 'Site/West')],
    ],
  },
  {
    name: 'MarketSnapshot',
    schema: marketSnapshotSchema,
    valid: validMarketSnapshot,
    invalid: [
      ['prices[0].realTimeUsdPerMwh', (m) => (m.prices[0].realTimeUsdPerMwh = 5001)],
      ['hashprice.difficulty', (m) => (m.hashprice.difficulty = 0)],
      ['gridEvents[0].endsAt', (m) => (m.gridEvents[0].endsAt = m.gridEvents[0].startsAt)],
      ['at', (m) => (m.at = 'yesterday')],
    ],
  },
  {
    name: 'WorkloadRequest',
    schema: workloadRequestSchema,
    valid: validWorkloadRequest,
    invalid: [
      ['tier', (w) => (w.tier = 'premium')],
      ['inputTokens', (w) => (w.inputTokens = 0)],
      ['outputTokens', (w) => (w.outputTokens = '500')],
      ['deadline', (w) => (w.deadline = '2025-13-01T00:00:00Z')],
      ['maxPriceUsd', (w) => (w.maxPriceUsd = Number.POSITIVE_INFINITY)],
    ],
  },
  {
    name: 'Plan',
    schema: planSchema,
    valid: validPlan,
    invalid: [
      ['version', (p) => (p.version = 0)],
      ['sites[0].intervals[0].gpuPools[0].gpusServing', (p) => (p.sites[0].intervals[0].gpuPools[0].gpusServing = -1)],
      ['sites[0].ladder[1]', (p) => (p.sites[0].ladder[1].stopAbovePriceUsdPerMwh = 1)],
      ['solver.mode', (p) => (p.solver.mode = 'greedy')],
    ],
  },
  {
    name: 'Command',
    schema: commandSchema,
    valid: validCommand,
    invalid: [
      ['commandId', (c) => (c.commandId = 'not-a-uuid')],
      ['seq', (c) => (c.seq = 0)],
      ['kind', (c) => (c.kind = 'reboot')],
      ['payload.shedKw', (c) => (c.payload.shedKw = -5)],
      ['validUntil', (c) => (c.validUntil = '2025-01-15T11:00:00Z')],
      ['siteId', (c) => (c.siteId = 'site/+')],
    ],
  },
  {
    name: 'Ack',
    schema: ackSchema,
    valid: validAck,
    invalid: [
      ['status', (a) => (a.status = 'done')],
      ['timings.executedAt', (a) => delete a.timings.executedAt],
      ['reason', (a) => (a.reason = 'because')],
    ],
  },
  {
    name: 'TelemetryBatch',
    schema: telemetryBatchSchema,
    valid: validTelemetryBatch,
    invalid: [
      ['batchSeq', (t) => (t.batchSeq = -1)],
      ['metrics[0].powerW', (t) => (t.metrics[0].powerW = Number.NaN)],
      ['metrics[0].state', (t) => (t.metrics[0].state = 'melting')],
    ],
  },
  {
    name: 'GridSignal',
    schema: gridSignalSchema,
    valid: validGridSignal,
    invalid: [
      ['frequencyHz', (g) => (g.frequencyHz = 'low')],
      ['kind', (g) => (g.kind = 'solar-flare')],
    ],
  },
];

describe.each(cases)('$name schema', ({ schema, valid, invalid }) => {
  it('accepts a valid instance', () => {
    const parsed = parseWith(schema, valid());
    expect(parsed.ok).toBe(true);
  });

  it('rejects an unknown field and names it', () => {
    const input = { ...(valid() as object), surprise: 1 };
    const parsed = parseWith(schema, input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues).toContainEqual(expect.objectContaining({ field: 'surprise' }));
  });

  it.each(invalid)('rejects a bad %s and names the field', (field, mutate) => {
    const input = structuredClone(valid()) as Record<string, any>;
    mutate(input);
    const parsed = parseWith(schema, input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.field)).toContain(field);
  });
});

describe('contract details', () => {
  it('rejects an unknown field nested inside a device group', () => {
    const group = { ...structuredClone(referenceFleet.sites[0]!.asicGroups[0]!), colour: 'red' };
    const parsed = parseWith(asicGroupSchema, group);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.field).toBe('colour');
  });

  it('rejects a fleet with a duplicated site id', () => {
    const site = structuredClone(referenceFleet.sites[0]!);
    const parsed = parseWith(fleetSchema, { sites: [site, site] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.field).toBe('sites[1].id');
  });

  it('throws a ValidationError that names what and where', () => {
    const bad = { ...validWorkloadRequest(), tier: 'gold' };
    expect(() => parseOrThrow(workloadRequestSchema, bad, 'workload')).toThrow(ValidationError);
    expect(() => parseOrThrow(workloadRequestSchema, bad, 'workload')).toThrow(/workload: tier:/);
  });

  it('builds and parses versioned site topics', () => {
    expect(siteTopic('site-west-1', 'commands')).toBe('hcp/v1/sites/site-west-1/commands');
    expect(parseSiteTopic('hcp/v1/sites/site-west-1/acks')).toEqual({ siteId: 'site-west-1', kind: 'acks' });
    expect(parseSiteTopic('hcp/v2/sites/site-west-1/acks')).toBeUndefined();
    expect(() => siteTopic('site/#', 'commands')).toThrow(/valid topic segment/);
  });

  it('accepts each command kind with its own payload and refuses a payload of another kind', () => {
    const base = validCommand();
    const restore = { ...base, kind: 'restore', payload: { reason: 'price back' } };
    expect(parseWith(commandSchema, restore).ok).toBe(true);
    const wrong = { ...base, kind: 'restore', payload: base.payload };
    const parsed = parseWith(commandSchema, wrong);
    expect(parsed.ok).toBe(false);
  });
});
