import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EngineCommand } from './vllm-command.js';

/** A running engine process, as the agent needs it: its log lines, its end, and a way to stop it. */
export interface EngineProcess {
  readonly pid: number | undefined;
  onLine(listener: (line: string) => void): void;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(): void;
}

export type EngineLauncher = (command: EngineCommand) => EngineProcess;

/**
 * Starts `program` (the `vllm` executable, or a stand-in for tests) with the command's arguments. SIGTERM lets vLLM
 * shut down cleanly (it frees the GPU memory and ends its workers); its stdout and stderr both carry the log.
 */
export function spawnEngine(program: string, prefixArgs: readonly string[] = []): EngineLauncher {
  return (command) => {
    const child = spawn(program, [...prefixArgs, ...command.args], {
      env: { ...process.env, ...command.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const listeners: Array<(line: string) => void> = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        for (const listener of listeners) listener(line);
      });
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    return {
      pid: child.pid,
      onLine: (listener) => listeners.push(listener),
      exited,
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
    };
  };
}
