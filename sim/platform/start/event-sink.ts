import type { PlatformEvent, PlatformEventSink } from '../events.js';

/** A line for the console per platform event worth a line (market ticks are not). */
export function describeEvent(event: PlatformEvent): string | undefined {
  switch (event.type) {
    case 'dispatch':
      return `dispatch at ${new Date(event.atMs).toISOString()}: OptimizeFlow ${event.status}${event.error ? ` (${event.error})` : ''} in ${event.durationMs} ms`;
    case 'switch':
      return event.source === 'cloud'
        ? `switch ${event.siteId}: ${event.outcome}${event.latencyMs !== undefined ? ` in ${event.latencyMs} ms` : ''}${event.detail ? ` (${event.detail})` : ''}`
        : undefined;
    case 'injection':
      return `injected ${event.kind} (${event.detail}) at ${event.siteIds.join(', ')} until ${new Date(event.untilMs).toISOString()}`;
    case 'market':
      return undefined;
  }
}

export interface PlatformEvents {
  /** Where the parts report: the console line, and the observer once it runs. */
  readonly record: PlatformEventSink;
  /** The observer starts after the gateways, which may report before it: their events reach only the console. */
  observeWith(observer: { record: PlatformEventSink }): void;
}

export function platformEvents(progress: (line: string) => void): PlatformEvents {
  let observer: { record: PlatformEventSink } | undefined;
  return {
    record: (event) => {
      observer?.record(event);
      const line = describeEvent(event);
      if (line) progress(line);
    },
    observeWith: (o) => {
      observer = o;
    },
  };
}
