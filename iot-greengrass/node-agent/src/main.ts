import { z } from 'zod';
import { systemClock } from '../../../core/support/clock.js';
import { startNodeAgent } from './agent.js';
import { spawnEngine } from './engine-process.js';

/** The agent's settings, from the environment (a systemd unit on the GPU node); a bad one stops it naming the variable. */
const envSchema = z.object({
  HCP_AGENT_HOST: z.string().default('0.0.0.0'),
  HCP_AGENT_PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  HCP_AGENT_GPU_COUNT: z.coerce.number().int().min(1).max(8),
  HCP_AGENT_VLLM: z.string().min(1).default('vllm'),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    process.stderr.write(`node agent: ${issue.path.join('.')}: ${issue.message}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const agent = await startNodeAgent({
    gpuCount: env.HCP_AGENT_GPU_COUNT,
    launch: spawnEngine(env.HCP_AGENT_VLLM),
    clock: systemClock,
    host: env.HCP_AGENT_HOST,
    port: env.HCP_AGENT_PORT,
  });
  process.stdout.write(`${JSON.stringify({ component: 'hcp-node-agent', event: 'listening', port: agent.port })}\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void agent.close().then(() => process.exit(0)));
  }
}

void main();
