import type { JobReport } from '../../../../core/routing/site-messages.js';
import type { ReportSink } from '../../../adapters/inference/port.js';

/**
 * The job reports not yet handed to the sink, sent one at a time in the order they were made. A report the sink
 * refuses stays first in line until the next flush, so the cloud may see a report twice (a lost PUBACK) but never
 * loses one, nor sees a later report of a job before an earlier one.
 */
export class ReportOutbox {
  private readonly unsent: JobReport[] = [];
  private sending: Promise<void> | undefined;

  constructor(
    private readonly sink: ReportSink,
    private readonly log: (event: string, detail: Record<string, unknown>) => void,
  ) {}

  get waiting(): number {
    return this.unsent.length;
  }

  send(report: JobReport): void {
    this.unsent.push(report);
    void this.flush();
  }

  /** Sends what waits; resolves when the line is empty or the sink refused one. One flush runs at a time. */
  flush(): Promise<void> {
    this.sending ??= this.sendInOrder().then((sentAll) => {
      this.sending = undefined;
      // A report made after the loop's last check but before this line goes now rather than at the next flush.
      if (sentAll && this.unsent.length > 0) void this.flush();
    });
    return this.sending;
  }

  /** True when every report went; false when the sink refused one (it waits for the next flush). */
  private async sendInOrder(): Promise<boolean> {
    while (this.unsent.length > 0) {
      try {
        await this.sink.publish(JSON.stringify(this.unsent[0]));
        this.unsent.shift();
      } catch (error) {
        this.log('report-send-failed', { error: String(error), waiting: this.unsent.length });
        return false;
      }
    }
    return true;
  }
}
