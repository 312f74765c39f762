/** The first pause before an early message is offered again, doubling each time. */
const EARLY_PAUSE_MS = 25;

/**
 * Runs `attempt` again while its outcome says it came early (an answer or an attempt the router has not recorded
 * yet), pausing 25 ms, then twice as long each time: the local platform's stand-in for a Lambda's asynchronous
 * retries. After `maxTries` the early outcome is returned.
 */
export async function offerAgainWhileEarly<O>(
  attempt: () => Promise<O>,
  early: (outcome: O) => boolean,
  wait: (ms: number) => Promise<void>,
  maxTries = 8,
): Promise<O> {
  for (let tries = 1; ; tries += 1) {
    const outcome = await attempt();
    if (!early(outcome) || tries >= maxTries) return outcome;
    await wait(EARLY_PAUSE_MS * 2 ** (tries - 1));
  }
}
