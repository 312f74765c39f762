/**
 * `npm run bench:audit`: sustained audited mutations of ONE tenant through the local API (real handlers, the local
 * API Gateway adapter, DynamoDB Local over loopback HTTP): CONCURRENCY callers submit workloads with fresh
 * Idempotency-Keys in a closed loop for `--seconds`. Then, once the chainer has linked everything: every accepted
 * workload has exactly one `workload.submit` entry, no entry names a workload that was not accepted, and the chain
 * verifies. Exit 1 on any 5xx or a broken invariant. The last line printed is one JSON object.
 */
import '../local-env.js';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { listAudit, verifyAudit } from '../../functions/shared/data/audit-log.js';
import { exitOnError, parseArgsOrExit } from '../cli/args.js';
import { startLocalApiServer } from '../local/api-routes.js';
import { benchWorkloadRequest } from './workload-request.js';

const { values, verbose } = parseArgsOrExit({
  command: 'bench:audit',
  usage: 'npm run bench:audit -- [--seconds N] [--concurrency N]\n\nOne tenant’s audited submissions per second.',
  flags: z.strictObject({
    seconds: z.coerce.number().positive().default(20),
    concurrency: z.coerce.number().int().positive().default(32),
  }),
  help: { seconds: 'length of the closed-loop run', concurrency: 'callers in the closed loop' },
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

async function main() {
  const server = await startLocalApiServer({ tableName: 'hcp-bench-audit' });
  const { api } = server;
  const { tenantId, apiKey } = await api.seedDemoTenant();
  const body = JSON.stringify(benchWorkloadRequest());
  const statuses = new Map<number, number>();
  const accepted: string[] = [];
  const startMs = performance.now();
  const endMs = startMs + values.seconds * 1000;
  await Promise.all(
    Array.from({ length: values.concurrency }, async () => {
      while (performance.now() < endMs) {
        const { status, id } = await submit(server.url, apiKey, body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (id) accepted.push(id);
      }
    }),
  );
  const elapsedS = (performance.now() - startMs) / 1000;
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

main().catch(exitOnError('bench:audit', verbose));
