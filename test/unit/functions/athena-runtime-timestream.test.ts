import { telemetryHistory } from '../../../functions/api/telemetry/sources.js';
import { HttpError } from '../../../functions/shared/http.js';
import { TIMESTREAM_HISTORY_UNAVAILABLE } from '../../../functions/telemetry-history/adapters/athena-runtime.js';

describe('the history routes of a Timestream deployment', () => {
  it('answer 503 history-unavailable naming the sink and what it lacks', async () => {
    // Prepare: the environment TimestreamTelemetrySink.grantHistoryQuery gives the history Lambdas.
    delete process.env.TELEMETRY_ATHENA_WORKGROUP;
    process.env.TELEMETRY_SINK = 'timestream';
    await import('../../../functions/api/telemetry/fleet-kpis.js');

    // Act
    const error = (() => {
      try {
        telemetryHistory();
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      statusCode: 503,
      code: 'history-unavailable',
      message: TIMESTREAM_HISTORY_UNAVAILABLE,
    });
    expect(TIMESTREAM_HISTORY_UNAVAILABLE).toMatch(/Timestream.*telemetrySink: iceberg/);
  });
});
