import type { JobReport } from '../../../../core/routing/site-messages.js';
import type { ReportSink } from '../../../adapters/inference/port.js';
import { ReportOutbox } from '../src/report-outbox.js';

const report = (jobId: string) => ({ jobId, attempt: 1 }) as JobReport;

/** A sink that refuses while `down`, and records what it took. */
function flakySink() {
  const taken: string[] = [];
  const sink: ReportSink & { down: boolean } = {
    down: false,
    publish: async (payload: string) => {
      if (sink.down) throw new Error('broker unreachable');
      taken.push((JSON.parse(payload) as JobReport).jobId);
    },
  };
  return { sink, taken };
}

describe('GpuWorker report outbox', () => {
  it('sends reports in the order they were made', async () => {
    // Prepare
    const { sink, taken } = flakySink();
    const outbox = new ReportOutbox(sink, () => {});

    // Act
    for (const id of ['a', 'b', 'c']) outbox.send(report(id));
    await outbox.flush();

    // Assess
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(outbox.waiting).toBe(0);
  });

  it('keeps a refused report first in line and sends it, then the rest, on the next flush', async () => {
    // Prepare
    const { sink, taken } = flakySink();
    const logged: string[] = [];
    const outbox = new ReportOutbox(sink, (event) => logged.push(event));
    sink.down = true;

    // Act
    outbox.send(report('a'));
    outbox.send(report('b'));
    await outbox.flush();
    const waitingWhileDown = outbox.waiting;
    sink.down = false;
    await outbox.flush();

    // Assess
    expect(waitingWhileDown).toBe(2);
    expect(logged).toContain('report-send-failed');
    expect(taken).toEqual(['a', 'b']);
    expect(outbox.waiting).toBe(0);
  });

  it('runs one flush at a time, so no report is handed over twice by overlapping flushes', async () => {
    // Prepare: a sink that answers only when released
    const taken: string[] = [];
    const releases: Array<() => void> = [];
    const sink: ReportSink = {
      publish: (payload) =>
        new Promise((resolve) => {
          releases.push(() => {
            taken.push((JSON.parse(payload) as JobReport).jobId);
            resolve();
          });
        }),
    };
    const outbox = new ReportOutbox(sink, () => {});

    // Act
    outbox.send(report('a'));
    const first = outbox.flush();
    const second = outbox.flush();
    outbox.send(report('b'));
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()!();
    await Promise.all([first, second]);

    // Assess
    expect(second).toBe(first);
    expect(releases).toHaveLength(0);
    expect(taken).toEqual(['a', 'b']);
  });
});
