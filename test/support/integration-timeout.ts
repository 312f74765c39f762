// The integration tier runs real local parts (DynamoDB Local's JVM, brokers, servers, CDK synthesis) on a shared
// machine, where jest's 5 s default, or any budget a test picks for itself, is a timing assumption. Tests and hooks
// wait for the state they check (test/support/until.ts); this one limit, for every test and hook of the tier, only
// stops one that hangs. (A longer run, such as the backtest CLI's, keeps its own.)
jest.setTimeout(120_000);
