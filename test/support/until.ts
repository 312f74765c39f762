/** Long enough that a loaded machine never hits it, and inside the integration tier's 120 s test limit so the failure names what it waited for. */
export const UNTIL_TIMEOUT_MS = 60_000;

export interface UntilOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** What to add to the timeout error: the state the test was waiting on, as it was at the end. */
  readonly detail?: () => unknown;
}

/**
 * Polls `check` until it returns something other than `undefined`/`false`, and returns that; past `timeoutMs` it fails
 * naming `what`. Tests wait with this for the state they then assert, never for a fixed time.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = UNTIL_TIMEOUT_MS, pollMs = 20, detail }: UntilOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const state = detail ? `: ${JSON.stringify(detail())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
