import { ERCOT_FOUR_CP, fourCpAt } from '../../../core/forecast/four-cp.js';
import { SYSTEM_LOAD_HISTORY_KEY } from '../../../core/market-data/history.js';
import { publishedLoadPoints } from '../../../core/market-data/system-load.js';
import { fourCpOutlook } from '../../../functions/optimizer/four-cp-outlook.js';
import { DynamoMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';

/** The ERCOT system load in the market history on DynamoDB Local, read back by the deployed planner's 4CP forecast. */

const TABLE = 'hcp-system-load-test';
let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable(TABLE);
});

afterAll(async () => {
  await table?.stop();
});

describe('system load in the market history on DynamoDB', () => {
  it('round-trips hourly system load and gives the same 4CP forecast as the whole file, known-at', async () => {
    // Prepare: 39 days up to 2022-08-02 14:00 CDT (ERCOT's August 2022 peak came at 16:00), and two hours stored
    // ahead of their publication.
    const record = readSystemLoadFile(SYSTEM_LOAD_FILE);
    const nowMs = Date.parse('2022-08-02T19:00:00Z');
    const history = new DynamoMarketHistoryStore({ client: table.client, tableName: TABLE });
    const points = publishedLoadPoints(record, 0, nowMs - 39 * 86_400_000, nowMs + 3 * 3_600_000);
    // Act
    await history.append(SYSTEM_LOAD_HISTORY_KEY, points);
    const stored = await history.read(SYSTEM_LOAD_HISTORY_KEY, 0, nowMs + 86_400_000);
    const forecast = await fourCpOutlook(history, nowMs);
    // Assess
    expect(stored).toEqual(points);
    expect(forecast).toEqual(fourCpAt(record, ERCOT_FOUR_CP, nowMs, 30));
    expect(Math.max(...forecast!.peakProbability)).toBeGreaterThan(0);
  }, 60_000);
});
