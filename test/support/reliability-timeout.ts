// The reliability tier runs whole flows on the real local parts (DynamoDB Local's JVM, the broker, SwitchFlow on
// aws-local-stepfunctions, CDK synthesis) on a machine shared with other suites, where a per-test budget is a timing
// assumption: under a load average of 30 a 60 s setup hook or jest's 5 s default failed tests whose waits were right.
// Tests and hooks wait for the state they check; this one limit, for every test and hook of the tier, only stops one
// that hangs.
jest.setTimeout(600_000);
