// The integration tier runs real local parts (DynamoDB Local's JVM, brokers, servers) on a shared machine, where jest's
// 5 s default is a timing assumption. Tests wait for the state they check (test/support/until.ts); this limit only
// stops one that hangs. A test that sets its own timeout keeps it.
jest.setTimeout(60_000);
