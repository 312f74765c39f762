import type { Rng } from '../../../core/support/random.js';
import { type FaultCounts, flakyTaskHandlers, InjectedTaskFailure } from '../../../sim/local/fault-injection.js';
import type { LocalTaskHandler } from '../../../sim/local/stepfunctions/runner.js';

/**
 * flakyTaskHandlers with the errors each kind of task really returns, so a flow's Retry and Catch see the names they
 * match in AWS. A failure `before` the work means nothing was done; `after` means the work was done and the answer
 * lost (or the handler threw after writing).
 */
export interface FaultKinds {
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/** A Lambda task (lambda:invoke). */
export const LAMBDA_FAULTS: FaultKinds = {
  // Refused before the function ran: throttled, or the Lambda service failed the invoke.
  before: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException'],
  // After it did its work: the handler threw (a plain Error is named `Error`), or the service lost its answer.
  after: ['Error', 'Lambda.ServiceException'],
};

export interface TaskFaultReport {
  /** Per state: calls and failures before / after the work. */
  readonly counts: Map<string, FaultCounts>;
  /** Injected failures by the error name the flow saw. */
  readonly byError: Map<string, number>;
  /** Calls that repeated an earlier call of the same state with the same input: the flow's retries. */
  retries: number;
}

export function typedTaskFaults(
  handlers: Readonly<Record<string, LocalTaskHandler>>,
  options: {
    readonly rate: number;
    readonly rng: Rng;
    /** @default LAMBDA_FAULTS for every state */
    readonly kinds?: Readonly<Record<string, FaultKinds>>;
  },
): { handlers: Record<string, LocalTaskHandler>; report: TaskFaultReport } {
  const report: TaskFaultReport = { counts: new Map(), byError: new Map(), retries: 0 };
  const seen = new Set<string>();
  const flaky = flakyTaskHandlers(handlers, { rate: options.rate, rng: options.rng, counts: report.counts });
  const wrapped = Object.fromEntries(
    Object.entries(flaky).map(([stateName, handler]) => [
      stateName,
      (async (event: unknown, context: never) => {
        const attempt = `${stateName} ${JSON.stringify(event)}`;
        if (seen.has(attempt)) report.retries += 1;
        seen.add(attempt);
        try {
          return await handler(event, context);
        } catch (error) {
          if (error instanceof InjectedTaskFailure) {
            const kinds = options.kinds?.[stateName] ?? LAMBDA_FAULTS;
            const names = error.message.startsWith('injected failure before') ? kinds.before : kinds.after;
            error.name = names[Math.floor(options.rng.next() * names.length)]!;
            report.byError.set(error.name, (report.byError.get(error.name) ?? 0) + 1);
          }
          throw error;
        }
      }) as LocalTaskHandler,
    ]),
  );
  return { handlers: wrapped, report };
}
