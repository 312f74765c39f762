import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Site } from '../../../core/model/site.js';
import {
  type JobReport,
  jobReportSchema,
  type SiteJob,
  siteJobReportTopic,
  siteJobTopic,
} from '../../../core/routing/site-messages.js';
import { systemClock } from '../../../core/support/clock.js';
import { DynamoGpuNodeStore } from '../../../functions/shared/data/gpu-node-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import type { GpuWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/gpu-worker.js';
import { startSiteWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/site-worker.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { type LocalGpuNodes, startLocalGpuNodes } from '../../../sim/platform/gpu-nodes.js';
import { until } from '../../support/until.js';
import { type OperatorApiHarness, startOperatorApi } from '../api-operator/harness.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SITE: Site = (() => {
  const site = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
  return { ...site, gpuPools: [{ ...site.gpuPools[0]!, count: 16, modelWarmupSeconds: 0 }] };
})();
const POOL = SITE.gpuPools[0]!.id;

let sequence = 0;
const job = (tier: SiteJob['tier'], outputTokens: number): SiteJob => ({
  jobId: `job-${++sequence}`,
  attempt: 1,
  tenantId: 'tenant-a',
  tier,
  modelId: MODEL,
  poolId: POOL,
  inputTokens: 100,
  outputTokens,
  deadline: new Date(Date.now() + 600_000).toISOString(),
});

describe('GPU cluster management: operator API, broker, GpuWorker and virtual GPU nodes', () => {
  let broker: RunningMqttBroker;
  let api: OperatorApiHarness;
  let fleet: VirtualFleet;
  let worker: GpuWorker;
  let local: LocalGpuNodes;
  const ports: MessagingPort[] = [];
  const reports: JobReport[] = [];
  let cloud: MessagingPort;

  const nodes = async () => {
    const response = await api.call('GET', `/v1/sites/${SITE.id}/gpu-nodes`);
    return response.body.nodes as Array<Record<string, any>>;
  };
  const nodeNamed = async (nodeId: string) => (await nodes()).find((n) => n.nodeId === nodeId);
  const submit = (siteJob: SiteJob) => cloud.publish('cloud', siteJobTopic(SITE.id), JSON.stringify(siteJob), 1);
  const reportOf = (jobId: string) => reports.find((r) => r.jobId === jobId);
  const runningOn = (nodeId: string) => worker.view().runningByNode[nodeId] ?? 0;

  beforeAll(async () => {
    broker = await startMqttBroker();
    api = await startOperatorApi({
      tableName: 'hcp-gpu-nodes-it',
      switchFlows: { start: async () => Promise.reject(new Error('no switching here')) },
    });
    cloud = await connectMqttPort({ url: broker.url, clientId: 'hcp-cloud' });
    ports.push(cloud);
    await cloud.subscribe('cloud', siteJobReportTopic(SITE.id), (_t, payload) =>
      reports.push(jobReportSchema.parse(JSON.parse(payload.toString('utf8')))),
    );
    local = await startLocalGpuNodes({ messaging: cloud, client: api.documents, tableName: api.tableName });
    fleet = await startVirtualFleet({
      asics: 0,
      gpuNodes: 2,
      seed: 3,
      clock: systemClock,
      site: SITE,
      gpuAutoTickMs: 20,
    });
    for (const e of fleet.endpoints) {
      const load = await fetch(`http://${e.address}:${e.port}/v1/models/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, tensor_parallel_size: 8 }),
      });
      expect(load.status).toBe(202);
    }
    const messaging = await connectMqttPort({ url: broker.url, clientId: `${SITE.id}-gpu-worker` });
    ports.push(messaging);
    worker = await startSiteWorker({
      siteId: SITE.id,
      nodes: fleet.endpoints.map((e) => ({
        nodeId: e.id,
        poolId: e.groupId,
        gpuCount: 8,
        inferenceUrl: `http://${e.address}:${e.port}`,
        metricsUrl: `http://${e.address}:${e.port}/metrics`,
        modelId: MODEL,
        maxConcurrentJobs: 4,
      })),
      messaging,
      clock: systemClock,
      powerSampleMs: 200,
      tickMs: 20,
      healthSampleMs: 200,
      inventoryReportMs: 1000,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    local?.stop();
    await Promise.all(ports.map((p) => p.close()));
    await fleet?.stop();
    await api?.stop();
    await broker?.stop();
  });

  it('drains a node through the API: its flex job is preempted, no new job lands on it; uncordoned, work lands again', async () => {
    // Prepare: both nodes reported active and healthy; a long flex job running on one of them
    const listed = await until('both nodes reported healthy', async () => {
      const list = await nodes();
      return list.length === 2 && list.every((n) => n.health === 'healthy') && list;
    });
    expect(listed.map((n) => [n.poolId, n.modelId, n.state, n.gpuCount])).toEqual([
      [POOL, MODEL, 'active', 8],
      [POOL, MODEL, 'active', 8],
    ]);
    expect(listed[0]!.lastSeenAt).toEqual(expect.any(String));
    const long = job('flex', 200_000);
    await submit(long);
    const drained = await until('the long job running', () => listed.find((n) => runningOn(n.nodeId) === 1)?.nodeId);
    const other = listed.find((n) => n.nodeId !== drained)!.nodeId as string;

    // Act: drain it
    const response = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/${drained}/drain`, {
      body: { reason: 'fan replacement' },
      principalId: 'operator-7',
    });
    const preempted = await until('the flex job preempted', () => reportOf(long.jobId));
    const shown = await until('the node shown draining', async () => {
      const node = await nodeNamed(drained);
      return node?.state === 'draining' && node;
    });
    const after = [job('flex', 300), job('guaranteed', 300)];
    for (const j of after) await submit(j);
    const afterReports = await until('both jobs completed', () => {
      const done = after.map((j) => reportOf(j.jobId));
      return done.every((r) => r?.outcome === 'completed') && done;
    });

    // Assess
    expect(response.status).toBe(202);
    expect(response.body.command).toMatchObject({
      siteId: SITE.id,
      nodeId: drained,
      action: 'drain',
      by: 'operator-7',
    });
    expect(preempted).toMatchObject({ outcome: 'preempted', reason: 'capacity', nodeId: drained });
    expect(shown).toMatchObject({ cordonedBy: 'operator', reason: 'fan replacement (operator-7)' });
    for (const r of afterReports) expect(r).toMatchObject({ nodeId: other });

    // Act: uncordon, then two jobs at once: the least busy node takes each
    const uncordon = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/${drained}/uncordon`, {
      body: { reason: 'fan replaced' },
    });
    await until('the node shown active', async () => (await nodeNamed(drained))?.state === 'active');
    const again = [job('flex', 2000), job('flex', 2000)];
    for (const j of again) await submit(j);
    const againReports = await until('both jobs completed', () => {
      const done = again.map((j) => reportOf(j.jobId));
      return done.every((r) => r?.outcome === 'completed') && done;
    });

    // Assess
    expect(uncordon.status).toBe(202);
    expect(againReports.map((r) => r!.nodeId).sort()).toEqual([drained, other].sort());
  });

  it('drains the nodes whose metrics show XID 79 or a double-bit ECC error, shows the findings in GET gpu-nodes, and brings them back once reset', async () => {
    // Prepare
    const [first, second] = fleet.endpoints;
    const fault = (endpoint: typeof first, body: unknown) =>
      fetch(`http://${endpoint!.address}:${endpoint!.port}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    // Act: GPU 3 of the first node falls off the bus; GPU 6 of the second logs double-bit ECC errors
    expect((await fault(first, { gpu: 3, xid: 79 })).status).toBe(200);
    expect((await fault(second, { gpu: 6, eccDoubleBitErrors: 2 })).status).toBe(200);
    const shown = await until('both nodes shown unhealthy', async () => {
      const list = await nodes();
      return list.every((n) => n.health === 'unhealthy') && list;
    });

    // Assess
    const byId = new Map(shown.map((n) => [n.nodeId, n]));
    expect(byId.get(first!.id)).toMatchObject({
      state: 'draining',
      cordonedBy: 'health',
      findings: [{ gpu: 3, severity: 'unhealthy', kind: 'xid', detail: 'XID 79' }],
    });
    expect(byId.get(second!.id)).toMatchObject({
      state: 'draining',
      cordonedBy: 'health',
      findings: [{ gpu: 6, severity: 'unhealthy', kind: 'ecc-double-bit' }],
    });

    // Act: the GPUs are reset; the health check brings both nodes back
    for (const e of [first, second]) await fetch(`http://${e!.address}:${e!.port}/faults`, { method: 'DELETE' });
    const back = await until('both nodes active again', async () => {
      const list = await nodes();
      return list.every((n) => n.state === 'active' && n.health === 'healthy') && list;
    });

    // Assess
    expect(back.every((n) => n.cordonedBy === undefined && n.findings.length === 0)).toBe(true);
  });

  it('answers 404 for an unknown site or node, 400 naming the field for a bad action or reason, 403 for a customer', async () => {
    // Prepare
    const nodeId = fleet.endpoints[0]!.id;

    // Act
    const unknownSite = await api.call('GET', '/v1/sites/site-nowhere-9/gpu-nodes');
    const unknownNode = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/gpu-nowhere/cordon`, {
      body: { reason: 'x' },
    });
    const badAction = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/${nodeId}/reboot`, {
      body: { reason: 'x' },
    });
    const badBody = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/${nodeId}/cordon`, {
      body: { reason: '', force: true },
    });
    const customer = await api.call('POST', `/v1/sites/${SITE.id}/gpu-nodes/${nodeId}/cordon`, {
      role: 'customer-user',
      body: { reason: 'x' },
    });

    // Assess
    expect(unknownSite.status).toBe(404);
    expect(unknownNode).toMatchObject({
      status: 404,
      body: { error: { message: `GPU node ${SITE.id}/gpu-nowhere not found` } },
    });
    expect(badAction.status).toBe(400);
    expect(badAction.body.error.issues.map((d: { field: string }) => d.field)).toEqual(['action']);
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.issues.map((d: { field: string }) => d.field).sort()).toEqual(['force', 'reason']);
    expect(customer.status).toBe(403);
    expect((await nodeNamed(nodeId))?.state).toBe('active');
  });

  it('keeps the newest report: one reported earlier and arriving late changes nothing', async () => {
    // Prepare
    const store = new DynamoGpuNodeStore({ client: api.documents, tableName: api.tableName });
    const stored = (await store.get(SITE.id))!;
    const late = {
      ...stored.report,
      reportedAt: new Date(Date.parse(stored.report.reportedAt) - 60_000).toISOString(),
      nodes: stored.report.nodes.map((n) => ({ ...n, state: 'cordoned' as const })),
    };

    // Act
    const kept = await store.put(late, new Date().toISOString());

    // Assess
    expect(kept).toBe(false);
    expect((await store.get(SITE.id))!.report.nodes.every((n) => n.state !== 'cordoned')).toBe(true);
    expect(local.outcomes().every((o) => o.ok)).toBe(true);
  });
});
