import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { projectRoot } from '../support/paths.js';
import { until } from '../support/until.js';

/** Every process of a process group now, by pid (`ps` is the outside view: what a user would see left running). */
function groupPids(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return []; // ps exits 1 when the group is empty
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** `npm start` in a process group of its own; resolves once the banner is printed, with the ports it names. */
async function startPlatform(): Promise<{ npm: ChildProcess; output: () => string; ports: number[] }> {
  const npm = spawn('npm', ['start', '--', '--port', '0', '--speed', '60', '--seed', '11'], {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  npm.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  await until('the platform to be up', () => output.includes('Press Ctrl-C to stop.') || npm.exitCode !== null, {
    timeoutMs: 150_000,
    pollMs: 200,
  });
  expect(output).toContain('is up');
  const ports = [...output.matchAll(/[a-z]+:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  return { npm, output: () => output, ports: [...new Set(ports)] };
}

describe('npm start stops cleanly', () => {
  const started: ChildProcess[] = [];

  afterAll(() => {
    // Only what this test started: the groups it created, if a failed assertion left them running.
    for (const npm of started) if (npm.pid && groupPids(npm.pid).length > 0) process.kill(-npm.pid, 'SIGKILL');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops every process of the tree and releases its ports after %s to the npm process',
    async (signal) => {
      // Prepare
      const { npm, ports, output } = await startPlatform();
      started.push(npm);
      const pids = groupPids(npm.pid!);
      const openBefore = await Promise.all(ports.map(accepts));

      // Act
      process.kill(npm.pid!, signal);
      await until('every process of the tree to end', () => pids.every((pid) => !alive(pid)), {
        timeoutMs: 15_000,
        pollMs: 100,
        detail: () => ({ left: groupPids(npm.pid!), output: output().slice(-500) }),
      });
      const openAfter = await Promise.all(ports.map(accepts));

      // Assess: the API, DynamoDB Local (JVM) and broker ports were open, and nothing of the tree is left
      expect(ports.length).toBeGreaterThanOrEqual(3);
      expect(openBefore.every(Boolean)).toBe(true);
      expect(pids.length).toBeGreaterThanOrEqual(3); // npm, node, java (and esbuild, unless tsx had its cache)
      expect(groupPids(npm.pid!)).toEqual([]);
      expect(openAfter.some(Boolean)).toBe(false);
    },
    200_000,
  );
});
