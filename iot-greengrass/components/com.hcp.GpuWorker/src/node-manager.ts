import {
  applyHealth,
  assessNodeHealth,
  type GpuHealthSample,
  type HealthThresholds,
  type NodeHealth,
} from '../../../../core/gpu/health.js';
import {
  cordonNode,
  drainNode,
  type GpuInventory,
  isSchedulable,
  uncordonNode,
} from '../../../../core/gpu/inventory.js';
import { type GpuNodeCommand, type GpuNodeReport, gpuNodeCommandSchema } from '../../../../core/gpu/node-messages.js';
import { type FieldIssue, parseWith } from '../../../../core/support/validation.js';
import type { WorkerNode } from './config.js';

/** What became of one operator command. Refusals are typed, never thrown: the worker logs them and moves on. */
export type NodeCommandResult =
  | {
      readonly kind: 'applied';
      readonly commandId: string;
      readonly nodeId: string;
      readonly action: GpuNodeCommand['action'];
      readonly state: 'active' | 'cordoned' | 'draining';
    }
  | { readonly kind: 'malformed-command'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'wrong-site'; readonly commandId: string; readonly siteId: string }
  | { readonly kind: 'unknown-node'; readonly commandId: string; readonly nodeId: string }
  | { readonly kind: 'duplicate-command'; readonly commandId: string }
  /** Issued before the node's last applied command, or older than the command lifetime. */
  | { readonly kind: 'stale-command'; readonly commandId: string; readonly nodeId: string; readonly issuedAt: string };

/** A node that started draining, and why its flex work is preempted. */
export interface DrainStarted {
  readonly nodeId: string;
  readonly by: 'operator' | 'health';
}

/** Command ids remembered for duplicate detection: far more than an operator sends in a command's lifetime. */
const REMEMBERED_COMMANDS = 1000;

/**
 * The worker's view of its nodes as a cluster: the inventory's scheduling state (core/gpu/inventory.ts), the last
 * health assessment of each node, when its exporter last answered, and the operator commands applied. Pure state: the
 * GpuWorker feeds it commands and samples and acts on what it returns (preempting the work of draining nodes).
 */
export class NodeManager {
  private inventory: GpuInventory;
  private readonly health = new Map<string, NodeHealth>();
  private readonly lastSeenMs = new Map<string, number>();
  private readonly commandIds = new Set<string>();
  private readonly latestIssuedMs = new Map<string, number>();

  constructor(
    private readonly siteId: string,
    private readonly nodes: readonly WorkerNode[],
    private readonly maxCommandAgeMs: number,
    private readonly thresholds?: HealthThresholds,
  ) {
    this.inventory = {
      nodes: nodes.map((n) => ({ nodeId: n.nodeId, siteId, poolId: n.poolId, gpuCount: n.gpuCount, state: 'active' })),
    };
  }

  takesWork(nodeId: string): boolean {
    const node = this.inventory.nodes.find((n) => n.nodeId === nodeId);
    return node !== undefined && isSchedulable(node);
  }

  isDraining(nodeId: string): boolean {
    return this.inventory.nodes.some((n) => n.nodeId === nodeId && n.state === 'draining');
  }

  seen(nodeId: string, atMs: number): void {
    this.lastSeenMs.set(nodeId, atMs);
  }

  command(raw: unknown, nowMs: number): { result: NodeCommandResult; drain?: DrainStarted } {
    const parsed = parseWith(gpuNodeCommandSchema, raw);
    if (!parsed.ok) return { result: { kind: 'malformed-command', issues: parsed.issues } };
    const command = parsed.value;
    const { commandId, nodeId } = command;
    if (command.siteId !== this.siteId) return { result: { kind: 'wrong-site', commandId, siteId: command.siteId } };
    if (this.commandIds.has(commandId)) return { result: { kind: 'duplicate-command', commandId } };
    if (!this.inventory.nodes.some((n) => n.nodeId === nodeId)) {
      return { result: { kind: 'unknown-node', commandId, nodeId } };
    }
    const issuedMs = Date.parse(command.issuedAt);
    if (issuedMs < nowMs - this.maxCommandAgeMs || issuedMs < (this.latestIssuedMs.get(nodeId) ?? -Infinity)) {
      return { result: { kind: 'stale-command', commandId, nodeId, issuedAt: command.issuedAt } };
    }
    this.remember(commandId);
    this.latestIssuedMs.set(nodeId, issuedMs);
    const wasDraining = this.isDraining(nodeId);
    const reason = `${command.reason} (${command.by})`;
    const result =
      command.action === 'cordon'
        ? cordonNode(this.inventory, nodeId, reason, 'operator')
        : command.action === 'drain'
          ? drainNode(this.inventory, nodeId, reason, 'operator')
          : uncordonNode(this.inventory, nodeId);
    // The node is known (checked above), so the inventory always takes the change.
    if (result.ok) this.inventory = result.inventory;
    const state = this.inventory.nodes.find((n) => n.nodeId === nodeId)!.state;
    return {
      result: { kind: 'applied', commandId, nodeId, action: command.action, state },
      ...(state === 'draining' && !wasDraining ? { drain: { nodeId, by: 'operator' as const } } : {}),
    };
  }

  /**
   * Assesses each node's sample (core/gpu/health.ts) and applies the outcome: unhealthy nodes drain, degraded ones are
   * cordoned, nodes the health check had taken out come back when healthy. Returns the nodes that started draining,
   * and whether any node's scheduling state changed.
   */
  applySamples(samples: ReadonlyArray<{ nodeId: string; gpus: readonly GpuHealthSample[] }>): {
    drains: DrainStarted[];
    changed: boolean;
  } {
    const assessments = samples.map((s) => assessNodeHealth(s, this.thresholds));
    for (const a of assessments) this.health.set(a.nodeId, a);
    const before = new Set(this.inventory.nodes.filter((n) => n.state === 'draining').map((n) => n.nodeId));
    const { inventory, actions } = applyHealth(this.inventory, assessments);
    this.inventory = inventory;
    const drains = inventory.nodes
      .filter((n) => n.state === 'draining' && !before.has(n.nodeId))
      .map((n) => ({ nodeId: n.nodeId, by: 'health' as const }));
    return { drains, changed: actions.length > 0 };
  }

  report(nowMs: number, runningByNode: ReadonlyMap<string, number>): GpuNodeReport {
    return {
      siteId: this.siteId,
      reportedAt: new Date(nowMs).toISOString(),
      nodes: this.inventory.nodes.map((record) => {
        const node = this.nodes.find((n) => n.nodeId === record.nodeId)!;
        const health = this.health.get(record.nodeId);
        const seenMs = this.lastSeenMs.get(record.nodeId);
        return {
          nodeId: record.nodeId,
          poolId: record.poolId,
          modelId: node.modelId,
          gpuCount: record.gpuCount,
          state: record.state,
          ...(record.cordonedBy ? { cordonedBy: record.cordonedBy } : {}),
          ...(record.reason ? { reason: record.reason.slice(0, 1000) } : {}),
          health: health?.status ?? 'unknown',
          findings: (health?.findings ?? []).map((f) => ({ ...f, detail: f.detail.slice(0, 500) })),
          runningJobs: runningByNode.get(record.nodeId) ?? 0,
          ...(seenMs !== undefined ? { lastSeenAt: new Date(seenMs).toISOString() } : {}),
        };
      }),
    };
  }

  private remember(commandId: string): void {
    this.commandIds.add(commandId);
    if (this.commandIds.size > REMEMBERED_COMMANDS) {
      this.commandIds.delete(this.commandIds.values().next().value!);
    }
  }
}
