/**
 * `npm run bench:audit`: sustained audited mutations of ONE tenant through the local API (real handlers, the local
 * API Gateway adapter, DynamoDB Local over loopback HTTP): CONCURRENCY callers submit workloads with fresh
 * Idempotency-Keys in a closed loop for `--seconds`. Then, once the chainer has linked everything: every accepted
 * workload has exactly one `workload.submit` entry, no entry names a workload that was not accepted, and the chain
 * verifies. Exit 1 on any 5xx or a broken invariant. The last line printed is one JSON object.
 */
import '../local-env.js';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { listAudit, verifyAudit } from '../../functions/shared/data/audit-log.js';
import { documentClient } from '../../functions/shared/data/client.js';
import { exitOnError, parseArgsOrExit } from '../cli/args.js';
import { startLocalApiServer } from '../local/api-routes.js';
import { profiled, topSelfTime, writeProfile } from './cpu-profile.js';
import { benchWorkloadRequest } from './workload-request.js';

const { values, verbose } = parseArgsOrExit({
  command: 'bench:audit',
  usage: 'npm run bench:audit -- [--seconds N] [--concurrency N]\n\nOne tenant’s audited submissions per second.',
  flags: z.strictObject({
    seconds: z.coerce.number().positive().default(20),
    concurrency: z.coerce.number().int().positive().default(32),
    profile: z.string().min(1).optional(),
  }),
  help: {
    seconds: 'length of the closed-loop run',
    concurrency: 'callers in the closed loop',
    profile: 'write the V8 CPU profile of the load (this process: API, handlers, callers) to FILE',
  },
});

const agent = new http.Agent({ keepAlive: true, maxSockets: values.concurrency });

function submit(base: string, apiKey: string, body: string): Promise<{ status: number; id?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/v1/workloads`,
      {
        method: 'POST',
        agent,
        headers: { 'x-api-key': apiKey, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          resolve(status === 201 ? { status, id: (JSON.parse(text) as { id: string }).id } : { status });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) the DynamoDB Local JVM on `port` has used, from /proc; undefined off Linux. */
function jvmCpuS(port: number): number | undefined {
  try {
    const pid = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .find((line) => line.includes('DynamoDBLocal') && line.includes(`-port ${port}`))
      ?.trim()
      .split(/\s+/)[0];
    if (!pid) return undefined;
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime and stime, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Counts each DynamoDB call `client` sends, by command, into `counts` (once per call, retries not counted again). */
function countCalls(client: DynamoDBDocumentClient, counts: Map<string, number>): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
}

async function main() {
  const server = await startLocalApiServer({ tableName: 'hcp-bench-audit' });
  const { api } = server;
  const { tenantId, apiKey } = await api.seedDemoTenant();
  const body = JSON.stringify(benchWorkloadRequest());
  const statuses = new Map<number, number>();
  const accepted: string[] = [];
  // The handlers' client (module scope, as in a Lambda), and the one the local authorizer and the chainer share.
  const handlerCalls = new Map<string, number>();
  const chainerCalls = new Map<string, number>();
  countCalls(documentClient(), handlerCalls);
  countCalls(server.documents, chainerCalls);
  const jvmBeforeS = jvmCpuS(server.dynamo.port);
  const cpuBefore = process.cpuUsage();
  const startMs = performance.now();
  const endMs = startMs + values.seconds * 1000;
  const load = () =>
    Promise.all(
      Array.from({ length: values.concurrency }, async () => {
        while (performance.now() < endMs) {
          const { status, id } = await submit(server.url, apiKey, body);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (id) accepted.push(id);
        }
      }),
    ).then(() => undefined);
  const profile = values.profile ? await profiled(load) : await load().then(() => undefined);
  const elapsedS = (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const chainerCallsDuringLoad = new Map(chainerCalls);
  const jvmAfterS = jvmCpuS(server.dynamo.port);
  if (profile && values.profile) {
    writeProfile(values.profile, profile);
    for (const item of topSelfTime([profile], 12)) {
      console.log(`${item.selfPct.toFixed(1).padStart(5)}%  ${item.selfMs.toFixed(0).padStart(6)} ms  ${item.name}`);
    }
  }
  // Wait for state: the chainer has linked every committed event (readers drain what is left too).
  const chainStartMs = performance.now();
  await api.auditChainer.idle();
  const verification = await verifyAudit(api.runtime.audit, tenantId);
  const chainLagMs = performance.now() - chainStartMs;
  const entries = (await listAudit(api.runtime.audit, tenantId, 1_000_000)).items;
  const perWorkload = new Map<string, number>();
  for (const entry of entries.filter((e) => e.action === 'workload.submit')) {
    perWorkload.set(entry.target, (perWorkload.get(entry.target) ?? 0) + 1);
  }
  const missing = accepted.filter((id) => perWorkload.get(`workload/${id}`) !== 1).length;
  const unknown = [...perWorkload.keys()].filter((t) => !accepted.includes(t.slice('workload/'.length))).length;
  const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  const result = {
    bench: 'audit',
    seconds: values.seconds,
    concurrency: values.concurrency,
    statuses: Object.fromEntries(statuses),
    serverErrors,
    auditedPerS: Math.round(accepted.length / elapsedS),
    // Where the time went: this process's CPU (API, handlers, callers, chainer) and the JVM's, per second of load.
    apiProcessCpuPerS: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100) / 100,
    ...(jvmBeforeS !== undefined && jvmAfterS !== undefined
      ? { dynamoDbLocalCpuPerS: Math.round(((jvmAfterS - jvmBeforeS) / elapsedS) * 100) / 100 }
      : {}),
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    // DynamoDB calls per audited submission during the load (the chainer's include its reads of the outbox and head).
    dynamoCallsPerAudited: {
      handlers: perAudited(handlerCalls, accepted.length),
      authorizerAndChainer: perAudited(chainerCallsDuringLoad, accepted.length),
    },
    chainLagAfterLoadMs: Math.round(chainLagMs),
    chain: { ok: verification.ok, checked: verification.checked, shards: verification.shards },
    workloadsWithoutExactlyOneEntry: missing,
    entriesForUnacceptedWorkloads: unknown,
    chainer: api.auditChainer.stats,
  };
  console.log(JSON.stringify(result));
  agent.destroy();
  await server.stop();
  if (serverErrors > 0 || missing > 0 || unknown > 0 || !verification.ok) process.exit(1);
}

function perAudited(counts: Map<string, number>, audited: number): Record<string, number> {
  return Object.fromEntries(
    [...counts].map(([command, n]) => [
      command.replace(/Command$/, ''),
      Math.round((n / Math.max(audited, 1)) * 100) / 100,
    ]),
  );
}

main().catch(exitOnError('bench:audit', verbose));
