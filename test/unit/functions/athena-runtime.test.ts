import { telemetryHistory } from '../../../functions/api/telemetry/sources.js';
import { HttpError } from '../../../functions/shared/http.js';
import { athenaQueryRunner } from '../../../functions/telemetry-history/adapters/athena-runtime.js';

describe('the history Lambda’s Athena runner', () => {
  it('answers 503 history-unavailable when the deployment’s sink has no Athena history', () => {
    // Prepare: no TELEMETRY_ATHENA_WORKGROUP, as in a Timestream deployment
    delete process.env.TELEMETRY_ATHENA_WORKGROUP;
    // Act
    const error = (() => {
      try {
        athenaQueryRunner();
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ statusCode: 503, code: 'history-unavailable' });
  });

  it('is what the history routes query in AWS once their handler module is loaded', async () => {
    await import('../../../functions/api/telemetry/fleet-kpis.js');
    expect(() => telemetryHistory()).toThrow('telemetry sink has no Athena history');
  });
});
