import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ManualClock } from '../../../core/support/clock.js';
import { callMinerJson } from '../../../sim/devices/asic/api-client.js';
import { startVirtualFleet } from '../../../sim/devices/fleet.js';
import { projectRoot } from '../../support/paths.js';

const START_MS = Date.UTC(2026, 0, 1);

describe('startVirtualFleet', () => {
  it('starts reachable miners and GPU nodes, each listed once with its group', async () => {
    // Prepare
    const fleet = await startVirtualFleet({
      asics: 3,
      gpuNodes: 1,
      seed: 4,
      clock: new ManualClock(START_MS),
      site: 'site-north-1',
    });
    try {
      // Act
      const miner = fleet.endpoints.find((e) => e.kind === 'asic')!;
      const gpu = fleet.endpoints.find((e) => e.kind === 'gpu')!;
      const summary = await callMinerJson({ host: miner.address, port: miner.port }, { command: 'summary' });
      const health = await fetch(`http://${gpu.address}:${gpu.port}/health`);

      // Assess
      expect(fleet.endpoints.map((e) => e.kind)).toEqual(['asic', 'asic', 'asic', 'gpu']);
      expect(new Set(fleet.endpoints.map((e) => `${e.address}:${e.port}`)).size).toBe(4);
      expect(fleet.endpoints.every((e) => e.siteId === 'site-north-1')).toBe(true);
      expect(['north-s21-a', 'north-s19xp-a']).toContain(miner.groupId);
      expect(summary.ok && (summary.reply.STATUS as Array<{ STATUS: string }>)[0]!.STATUS).toBe('S');
      expect(health.status).toBe(200);
    } finally {
      await fleet.stop();
    }
  });

  it('gives every miner its own loopback address on port 4028 when asked', async () => {
    // Prepare
    const fleet = await startVirtualFleet({
      asics: 2,
      gpuNodes: 0,
      seed: 4,
      clock: new ManualClock(START_MS),
      addressing: 'loopback',
    });
    try {
      // Act
      const replies = await Promise.all(
        fleet.endpoints.map((e) => callMinerJson({ host: e.address, port: e.port }, { command: 'version' })),
      );

      // Assess
      expect(fleet.endpoints.map((e) => [e.address, e.port])).toEqual([
        ['127.10.1.1', 4028],
        ['127.10.1.2', 4028],
      ]);
      expect(replies.every((r) => r.ok)).toBe(true);
    } finally {
      await fleet.stop();
    }
  });

  it('gives the same inventory for the same seed', async () => {
    // Prepare
    const start = () => startVirtualFleet({ asics: 4, gpuNodes: 1, seed: 99, clock: new ManualClock(START_MS) });
    const first = await start();
    const second = await start();
    try {
      // Act
      const describe = (fleet: typeof first) => [
        fleet.miners.map((m) => m.context.identity),
        fleet.gpuNodes.map((g) => g.node.item),
      ];

      // Assess
      expect(JSON.stringify(describe(second))).toBe(JSON.stringify(describe(first)));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

describe('npm run devices', () => {
  const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
  const cli = path.join(projectRoot, 'sim', 'devices', 'cli.ts');

  function run(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
    const child = spawn(tsx, [cli, ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    return { child, stdout: () => out, stderr: () => err };
  }

  const exitOf = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  it('rejects a bad flag with a message naming it', async () => {
    // Act
    const { child, stderr } = run(['--asics', 'many']);
    const code = await exitOf(child);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain('devices: --asics: expected an integer from 0 to 20000');
  });

  it('prints one JSON line per endpoint and stops cleanly on SIGINT', async () => {
    // Prepare
    const { child, stdout, stderr } = run(['--asics', '2', '--gpus', '1', '--seed', '3']);
    const exited = exitOf(child);
    while (!stderr().includes('endpoints up')) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    // Act
    child.kill('SIGINT');
    const code = await exited;

    // Assess
    const lines = stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.kind)).toEqual(['asic', 'asic', 'gpu']);
    expect(lines[0]).toMatchObject({ address: '127.0.0.1', protocol: 'cgminer-luxos-tcp' });
    expect(typeof lines[0].port).toBe('number');
    expect(code).toBe(0);
    expect(stderr()).toContain('devices: stopped');
  });
});
