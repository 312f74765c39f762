import { Worker } from 'node:worker_threads';

export interface PoolResult<R> {
  readonly result: R;
  /** The invocation's wall time inside the worker (what Lambda bills): I/O and solve. */
  readonly invocationMs: number;
}

/** A fixed pool of worker threads running sim/bench/optimizer-map/worker.ts; calls beyond the pool's size queue. */
export class WorkerPool<R> {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly waiting: Array<(worker: Worker) => void> = [];
  private nextId = 0;

  constructor(size: number, workerData: unknown) {
    const url = new URL('./worker.ts', import.meta.url);
    this.workers = Array.from({ length: size }, () => new Worker(url, { workerData, execArgv: ['--import', 'tsx'] }));
    this.idle = [...this.workers];
  }

  async run(event: unknown): Promise<PoolResult<R>> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    try {
      return await new Promise<PoolResult<R>>((resolve, reject) => {
        const onMessage = (message: { id: number; result?: R; invocationMs?: number; error?: string }) => {
          if (message.id !== id) return;
          worker.off('message', onMessage);
          if (message.error !== undefined) reject(new Error(message.error));
          else resolve({ result: message.result as R, invocationMs: message.invocationMs! });
        };
        worker.on('message', onMessage);
        worker.postMessage({ id, event });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
