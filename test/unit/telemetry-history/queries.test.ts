import fc from 'fast-check';
import { siteTelemetryQuerySchema } from '../../../core/api/telemetry-history.js';
import {
  fleetEventKpisSql,
  fleetPowerKpisSql,
  gatewayUptimeSql,
  literal,
  percentileSql,
  siteSeriesSql,
  tableName,
} from '../../../core/telemetry-history/queries.js';

const TABLES = { siteSeries: 'hcp.site_series', deviceSeries: 'hcp.device_series', fleetEvents: 'hcp.fleet_events' };
const WINDOW = {
  fromMs: Date.parse('2026-12-01T23:00:00Z'),
  toMs: Date.parse('2026-12-02T01:00:00Z'),
  stepMs: 300_000,
  scenario: 'live',
};

describe('telemetry history queries (the SQL text DuckDB and Athena run)', () => {
  it('spells the percentile in each dialect, and nothing else differs', () => {
    // Act
    const duck = fleetEventKpisSql('duckdb', TABLES, WINDOW);
    const athena = fleetEventKpisSql('athena', TABLES, WINDOW);

    // Assess
    expect(athena).toContain('approx_percentile(');
    expect(athena).not.toContain('quantile_cont(');
    expect(duck).toContain('quantile_cont(');
    expect(athena.replaceAll('approx_percentile(', 'quantile_cont(')).toBe(duck);
    for (const sql of [
      fleetPowerKpisSql('athena', TABLES, WINDOW),
      gatewayUptimeSql('athena', TABLES, WINDOW, 30_000),
      siteSeriesSql('athena', TABLES, 'site-a', 'power', WINDOW),
    ])
      expect(sql).toBe(sql.replaceAll('athena', 'duckdb'));
  });

  it('names the tables given and prunes to the day partitions the window touches', () => {
    // Act
    const sql = siteSeriesSql('athena', TABLES, 'site-a', 'power', WINDOW);

    // Assess: a window across midnight reads two days.
    expect(sql).toContain('FROM hcp.site_series');
    expect(sql).toContain("day BETWEEN '2026-12-01' AND '2026-12-02'");
    expect(sql).toContain("site = 'site-a'");
  });

  it('reads the site series one row per gateway batch, filtered before grouping (a re-sent batch weighs once)', () => {
    // Act
    const queries = [
      fleetPowerKpisSql('athena', TABLES, WINDOW),
      ...(['power', 'money', 'gpus'] as const).map((m) => siteSeriesSql('athena', TABLES, 'site-a', m, WINDOW)),
    ];

    // Assess
    for (const sql of queries) {
      expect(sql).toContain('GROUP BY site, day, scenario, gateway_id, batch_seq, at_ms) AS batches');
      expect(sql.indexOf('day BETWEEN')).toBeLessThan(sql.indexOf('AS batches'));
      expect(sql).toContain('SUM(mining_usd) AS mining_usd');
      expect(sql).toContain('AVG(asic_kw) AS asic_kw');
    }
  });

  it('divides only over DOUBLEs (Athena divides BIGINTs as integers) and never by zero', () => {
    // Act
    const sql = fleetPowerKpisSql('athena', TABLES, WINDOW);

    // Assess
    const divisions = sql.match(/\) \/ NULLIF\(CAST\(/g) ?? [];
    expect(divisions.length).toBe(5);
  });

  it('refuses a literal or table name that could change the statement', () => {
    // Assess
    expect(() => literal("site'; DROP TABLE x; --")).toThrow(RangeError);
    expect(() => literal(1.5)).toThrow(RangeError);
    expect(() => tableName('site_series; DELETE')).toThrow(RangeError);
    expect(() => percentileSql('duckdb', 'x', 1)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          expect(literal(s)).toBe(`'${s}'`);
          expect(s).not.toMatch(/['"\\;]/);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});

describe('history query bounds', () => {
  const base = { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' };

  it('refuses a window wider than 31 days, naming to and the limit', () => {
    // Act
    const parsed = siteTelemetryQuerySchema.safeParse({ ...base, to: '2027-01-15T00:00:00Z', step: '86400' });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['to'], message: expect.stringContaining('31 days') });
  });

  it('refuses a step too fine for the window, naming step and the bucket limit', () => {
    // Act
    const parsed = siteTelemetryQuerySchema.safeParse({ ...base, to: '2026-12-08T00:00:00Z', step: '60' });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['step'], message: expect.stringContaining('2100 buckets') });
  });

  it('refuses from after to, an unknown metric and an unknown field', () => {
    // Assess
    const issues = (q: object) => siteTelemetryQuerySchema.safeParse(q).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ from: base.to, to: base.from })).toEqual(['to']);
    expect(issues({ ...base, metric: 'temperature' })).toEqual(['metric']);
    expect(issues({ ...base, limit: '5' })).toEqual(['']);
  });

  it('takes a day at five minutes with the defaults', () => {
    // Act
    const parsed = siteTelemetryQuerySchema.parse(base);

    // Assess
    expect(parsed).toMatchObject({ step: 300, metric: 'power', scenario: 'live' });
  });
});
