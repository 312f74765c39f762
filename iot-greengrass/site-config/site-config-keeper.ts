import * as nodeFs from 'node:fs';
import path from 'node:path';
import {
  readDesiredGatewayConfig,
  type SiteConfigEvent,
  type SiteConfigReported,
} from '../../core/fleet/gateway-config-shadow.js';
import { type GatewayConfig, gatewayConfigSchema } from '../../core/fleet/site-config.js';
import { siteTopic } from '../../core/messages/topics.js';
import type { Clock } from '../../core/support/clock.js';
import type { FieldIssue } from '../../core/support/validation.js';
import { type DurableFs, writeFileDurably } from '../adapters/durable-file.js';
import type { NamedShadowPort } from '../adapters/messaging/named-shadow.js';
import type { MessagingPort } from '../adapters/messaging/port.js';

export interface SiteConfigKeeperDeps {
  readonly siteId: string;
  /** The last good configuration, kept across restarts so the gateway starts without the cloud. */
  readonly cacheFile: string;
  readonly shadow: NamedShadowPort;
  /** Where refusals and applications are announced (`hcp/v1/sites/{site}/events`). */
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  /** Puts a configuration in force (the gateway restarts its agents on it); a throw keeps the previous one. */
  readonly apply: (config: GatewayConfig) => Promise<void>;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /**
   * Whether this keeper writes the shadow's reported state and announces events. On a Greengrass core two components
   * read the shadow; one (SwitchAgent) speaks for the gateway. @default true
   */
  readonly reports?: boolean;
  /** @default node:fs */
  readonly fs?: DurableFs & { readFileSync(file: string, encoding: 'utf8'): string };
}

export interface SiteConfigView {
  /** The configuration in force, or none yet (a new gateway that never heard its shadow and has no cache). */
  readonly registryVersion: number | null;
  readonly source: 'none' | 'cache' | 'shadow';
  readonly refused: (FieldIssue & { readonly registryVersion: number | null }) | null;
}

/**
 * Keeps the gateway's site configuration: starts with the cached one, reads the named shadow at start and on every
 * delta, validates what it finds (core's schema), and either puts a newer configuration in force (cache first, then
 * apply, then report the version) or refuses it, naming the field, in the shadow's reported state and as an event,
 * with the previous configuration still in force. An older or equal version is not applied again.
 */
export class SiteConfigKeeper {
  private current: GatewayConfig | undefined;
  private source: SiteConfigView['source'] = 'none';
  private refused: SiteConfigView['refused'] = null;
  private queue: Promise<void> = Promise.resolve();
  private resolveFirst: () => void = () => undefined;
  private readonly first = new Promise<void>((resolve) => {
    this.resolveFirst = resolve;
  });
  private readonly fs: NonNullable<SiteConfigKeeperDeps['fs']>;

  private constructor(private readonly deps: SiteConfigKeeperDeps) {
    this.fs = deps.fs ?? nodeFs;
  }

  /** Loads the cache, applies it, subscribes to the shadow and asks for it; never waits for the cloud. */
  static async start(deps: SiteConfigKeeperDeps): Promise<SiteConfigKeeper> {
    const keeper = new SiteConfigKeeper(deps);
    const cached = keeper.loadCache();
    if (cached) {
      await deps.apply(cached);
      keeper.current = cached;
      keeper.source = 'cache';
      keeper.resolveFirst();
      keeper.log('site-config-from-cache', { registryVersion: cached.registryVersion });
    }
    deps.shadow.onDesired((desired) => void keeper.offer(desired));
    // Offline, the request fails or waits in the client; the connection's return asks again (named-shadow.ts).
    void deps.shadow.requestDesired().catch(() => undefined);
    return keeper;
  }

  config(): GatewayConfig | undefined {
    return this.current;
  }

  /** Resolves once a configuration is in force (from the cache or the shadow). */
  configured(): Promise<void> {
    return this.first;
  }

  view(): SiteConfigView {
    return { registryVersion: this.current?.registryVersion ?? null, source: this.source, refused: this.refused };
  }

  /** One desired section from the shadow, handled after the ones before it. */
  offer(desired: unknown): Promise<void> {
    const run = this.queue.then(() => this.handle(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handle(desired: unknown): Promise<void> {
    if (desired === undefined) return;
    const read = readDesiredGatewayConfig(desired, this.deps.siteId);
    const inForce = this.current?.registryVersion ?? 0;
    if (!read.ok) {
      if (read.registryVersion !== undefined && read.registryVersion <= inForce) return;
      return this.refuse(read.registryVersion ?? null, read.issue);
    }
    const { config } = read;
    if (config.registryVersion <= inForce) {
      // Already in force (a reconnect's get): make sure the shadow says so.
      if (config.registryVersion === inForce) await this.report();
      return;
    }
    try {
      writeFileDurably(this.deps.cacheFile, JSON.stringify(config), this.fs);
      await this.deps.apply(config);
    } catch (error) {
      return this.refuse(config.registryVersion, {
        field: 'gatewayConfig',
        rule: 'apply_failed',
        message: error instanceof Error ? error.message : String(error),
      });
    }
    this.current = config;
    this.source = 'shadow';
    this.refused = null;
    this.resolveFirst();
    this.log('site-config-applied', { registryVersion: config.registryVersion });
    await this.report();
    await this.announce({ type: 'site-config-applied', registryVersion: config.registryVersion });
  }

  private async refuse(registryVersion: number | null, issue: FieldIssue): Promise<void> {
    const same = this.refused?.registryVersion === registryVersion && this.refused?.field === issue.field;
    this.refused = { ...issue, registryVersion };
    this.log('site-config-refused', { registryVersion, ...issue, inForce: this.current?.registryVersion ?? null });
    if (same) return;
    await this.report();
    await this.announce({ type: 'site-config-refused', registryVersion, ...issue });
  }

  private async report(): Promise<void> {
    if (this.deps.reports === false) return;
    const { refused } = this;
    const reported: SiteConfigReported = {
      registryVersion: this.current?.registryVersion ?? null,
      refused:
        refused?.registryVersion == null
          ? null
          : {
              registryVersion: refused.registryVersion,
              field: refused.field,
              rule: refused.rule,
              message: refused.message,
            },
    };
    await this.deps.shadow.report(reported).catch((error: unknown) => {
      this.log('site-config-report-failed', { detail: String(error) });
    });
  }

  private async announce(event: Omit<SiteConfigEvent, 'siteId' | 'atMs' | 'inForce'>): Promise<void> {
    if (this.deps.reports === false) return;
    const body: SiteConfigEvent = {
      ...event,
      siteId: this.deps.siteId,
      atMs: this.deps.clock.nowMs(),
      inForce: this.current?.registryVersion ?? null,
    } as SiteConfigEvent;
    await this.deps.messaging
      .publish('cloud', siteTopic(this.deps.siteId, 'events'), JSON.stringify(body), 1)
      .catch((error: unknown) => this.log('site-config-event-failed', { detail: String(error) }));
  }

  /** The cached configuration, if the file holds a valid one for this site; anything else is logged and ignored. */
  private loadCache(): GatewayConfig | undefined {
    let text: string;
    try {
      text = this.fs.readFileSync(this.deps.cacheFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log('site-config-cache-unreadable', { detail: String(error) });
      }
      nodeFs.mkdirSync(path.dirname(this.deps.cacheFile), { recursive: true });
      return undefined;
    }
    try {
      const parsed = gatewayConfigSchema.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.siteId === this.deps.siteId) return parsed.data;
      this.log('site-config-cache-invalid', {
        detail: parsed.success ? 'another site' : parsed.error.issues[0]?.message,
      });
    } catch {
      this.log('site-config-cache-invalid', { detail: 'not JSON' });
    }
    return undefined;
  }

  private log(event: string, detail: Record<string, unknown>): void {
    this.deps.log?.(event, detail);
  }
}
