/**
 * A MODEL (not a measurement) of the OptimizeFlow's makespan in AWS: each round's batch durations, drawn from the
 * measured per-invocation times, list-scheduled onto `concurrency` Lambdas (each batch to the earliest-free one, in
 * Map order); each Lambda's first invocation of the run pays `coldStartMs`; rounds run one after the other, each
 * followed by the coordinate step; the run starts with the prepare step. Pure.
 */
export interface MakespanInputs {
  /** One round's invocation durations, ms (the same every round: the sites solve similar problems each round). */
  readonly invocationMs: readonly number[];
  readonly concurrency: number;
  readonly rounds: number;
  readonly coldStartMs: number;
  readonly prepareMs: number;
  readonly coordinateMs: number;
  /** Step Functions' own time to start one Map iteration and hand back its result, ms. */
  readonly transitionMs: number;
}

export function modelMakespanMs(inputs: MakespanInputs): number {
  const lanes = Math.max(1, Math.min(inputs.concurrency, inputs.invocationMs.length));
  let totalMs = inputs.prepareMs;
  const warm = new Array<boolean>(lanes).fill(false);
  for (let round = 0; round < inputs.rounds; round += 1) {
    const freeAtMs = new Array<number>(lanes).fill(0);
    for (const ms of inputs.invocationMs) {
      let lane = 0;
      for (let l = 1; l < lanes; l += 1) if (freeAtMs[l]! < freeAtMs[lane]!) lane = l;
      freeAtMs[lane] = freeAtMs[lane]! + inputs.transitionMs + ms + (warm[lane] ? 0 : inputs.coldStartMs);
      warm[lane] = true;
    }
    totalMs += Math.max(...freeAtMs) + inputs.coordinateMs;
  }
  return totalMs;
}
