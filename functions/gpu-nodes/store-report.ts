import { type GpuNodeReport, gpuNodeReportSchema } from '../../core/gpu/node-messages.js';
import { type FieldIssue, parseWith } from '../../core/support/validation.js';
import type { GpuNodeStore } from '../shared/data/gpu-node-store.js';

export type GpuNodeReportOutcome =
  | { readonly ok: true; readonly effect: 'stored' | 'older-than-stored'; readonly siteId: string }
  | { readonly ok: false; readonly error: 'malformed-report'; readonly issues: readonly FieldIssue[] };

/**
 * A site's GPU node report into the store: validated, kept as the site's latest unless a newer one is there. Used by
 * the IoT rule's Lambda and by the local platform's subscription, so both keep the same item.
 */
export async function storeGpuNodeReport(
  store: GpuNodeStore,
  raw: unknown,
  receivedAtMs: number,
): Promise<GpuNodeReportOutcome> {
  const parsed = parseWith(gpuNodeReportSchema, raw);
  if (!parsed.ok) return { ok: false, error: 'malformed-report', issues: parsed.issues };
  const report: GpuNodeReport = parsed.value;
  const stored = await store.put(report, new Date(receivedAtMs).toISOString());
  return { ok: true, effect: stored ? 'stored' : 'older-than-stored', siteId: report.siteId };
}
