import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { hashpriceUsdPerThDay } from '../../../core/economics/hashprice.js';
import { ManualClock } from '../../../core/support/clock.js';
import { MempoolSpaceHashprice, withHashprice } from '../../../functions/market/adapters/mempool-hashprice.js';
import { fixedNonPriceSource } from '../../support/fixed-market-source.js';

const responses = JSON.parse(
  readFileSync(path.join(process.cwd(), 'test', 'integration', 'market', 'fixtures', 'mempool-space.json'), 'utf8'),
) as Record<string, unknown>;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = responses[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('hashprice from mempool.space (fixture server)', () => {
  it('computes hashprice from price, difficulty, subsidy at the tip and a day of fees', async () => {
    // Prepare
    const clock = new ManualClock(Date.parse('2026-11-28T20:50:00Z'));
    const source = new MempoolSpaceHashprice({ clock, baseUrl });

    // Act
    const hashprice = await source.latest();

    // Assess: height 926,000 is past the fourth halving (840,000): 3.125 BTC; 1.8e9 sats = 18 BTC a day
    expect(hashprice).toMatchObject({ btcPriceUsd: 95_000, difficulty: 1.5e14, subsidyBtc: 3.125, feesBtcPerDay: 18 });
    expect(hashprice.hashpriceUsdPerThDay).toBeCloseTo(
      hashpriceUsdPerThDay({ btcPriceUsd: 95_000, difficulty: 1.5e14, subsidyBtc: 3.125, feesBtcPerDay: 18 }),
      12,
    );
    expect(hashprice.hashpriceUsdPerThDay).toBeGreaterThan(0.03);
    expect(hashprice.hashpriceUsdPerThDay).toBeLessThan(0.06);
  });

  it('reads again only after its refresh period, and feeds a snapshot’s hashprice', async () => {
    // Prepare
    const clock = new ManualClock(Date.parse('2026-11-28T20:50:00Z'));
    const hashprice = new MempoolSpaceHashprice({ clock, baseUrl, refreshMs: 3_600_000 });
    const source = withHashprice(fixedNonPriceSource, hashprice);
    requests.length = 0;

    // Act
    const first = await source.snapshotAt(clock.nowMs());
    clock.advanceMs(30 * 60_000);
    await source.snapshotAt(clock.nowMs());
    clock.advanceMs(31 * 60_000);
    await source.snapshotAt(clock.nowMs());

    // Assess
    expect(first.hashprice.btcPriceUsd).toBe(95_000);
    expect(requests).toHaveLength(6);
  });
});
