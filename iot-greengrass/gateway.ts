import path from 'node:path';
import type { GatewayConfig, SiteMeter } from '../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../core/iot/shadow-topics.js';
import type { Site } from '../core/model/site.js';
import { type Clock, systemClock } from '../core/support/clock.js';
import { devicesOf } from './adapters/configured-devices.js';
import type { DeviceDriver, GatewayDevice } from './adapters/device-port.js';
import { httpTransport, type NvidiaSmiTransport } from './adapters/gpu/nvidia-smi.js';
import { connectMqttPort } from './adapters/messaging/mqtt-client.js';
import { namedShadowOverMqtt } from './adapters/messaging/named-shadow.js';
import type { MessagingPort } from './adapters/messaging/port.js';
import { scopedMessaging } from './adapters/messaging/port.js';
import { type SiteMeterPort, SunSpecMeter } from './adapters/meter/sunspec-meter.js';
import { configuredSiteDriver, siteDriver } from './adapters/site-driver.js';
import { type SwitchAgentConfigInput, switchAgentConfigSchema } from './components/com.hcp.SwitchAgent/src/config.js';
import { onSiteMeter } from './components/com.hcp.SwitchAgent/src/site-meter.js';
import { SwitchAgent, type SwitchAgentView } from './components/com.hcp.SwitchAgent/src/switch-agent.js';
import { type TelemetryConfigInput, telemetryConfigSchema } from './components/com.hcp.Telemetry/src/config.js';
import { TelemetryAgent, type TelemetryView } from './components/com.hcp.Telemetry/src/telemetry-agent.js';
import { SiteConfigKeeper, type SiteConfigView } from './site-config/site-config-keeper.js';

/**
 * One site's gateway in-process: both components over one messaging port, as Greengrass would run them on the site's
 * core device. The local platform (`npm start`) calls this once per site; tests and the bench call it too.
 */
export interface StartGatewayOptions {
  readonly siteId: string;
  /** The site model: group sizes for the plan's unit counts, frequency-trip groups, the DR commitment. */
  readonly site?: Site;
  /** The MQTT broker (aedes locally); ignored when `messaging` is given. */
  readonly brokerUrl?: string;
  /** The gateway's TLS key, certificate and CA (from onboarding) for an `mqtts://` broker. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca: string };
  readonly messaging?: MessagingPort;
  /** The site's devices; sim/devices' `DeviceEndpoint`s fit as they are. */
  readonly devices: readonly GatewayDevice[];
  /** SwitchAgent state and the telemetry spool live under here; reuse it to resume after a restart. */
  readonly stateDir: string;
  /** @default wall clock */
  readonly clock?: Clock;
  readonly config?: {
    readonly switchAgent?: Omit<SwitchAgentConfigInput, 'siteId'>;
    readonly telemetry?: Omit<TelemetryConfigInput, 'siteId' | 'gatewayId'>;
  };
  /**
   * Run the agents' timers (tick, poll). Off in tests that drive a ManualClock and call `tick()`/`pollTelemetry()`.
   * @default true
   */
  readonly autoTick?: boolean;
  /** How GPU nodes' nvidia-smi is reached. @default the virtual nodes' HTTP routes */
  readonly gpuTransport?: NvidiaSmiTransport;
  /** Replaces the default LuxOS + nvidia-smi drivers (tests, other firmwares). */
  readonly driver?: DeviceDriver;
  /** Replaces the SunSpec meter the site configuration (or `config.switchAgent.sitePower.meter`) names (tests). */
  readonly meter?: SiteMeterPort;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface GatewayState {
  readonly siteId: string;
  readonly connected: boolean;
  readonly switchAgent: SwitchAgentView;
  readonly telemetry: TelemetryView;
}

export interface RunningGateway {
  readonly siteId: string;
  readonly switchAgent: SwitchAgent;
  readonly telemetry: TelemetryAgent;
  readonly messaging: MessagingPort;
  state(): GatewayState;
  /** One SwitchAgent pass at the clock's current time. */
  tick(): Promise<void>;
  /** One telemetry poll; resolves with the number of device metrics. */
  pollTelemetry(): Promise<number>;
  /** Stops both agents and, when the gateway opened it, the MQTT connection. Devices are left as they are. */
  stop(): Promise<void>;
}

export async function startGateway(
  options: StartGatewayOptions & { readonly onSwitch?: (cause: string, accepted: number, sent: number) => void },
): Promise<RunningGateway> {
  const { messaging, owned } = await gatewayMessaging(options);
  const gpu = options.gpuTransport ?? httpTransport();
  // Separate driver instances: the agent's LuxOS sessions are its own, and telemetry reads need none.
  const agents = await startAgents(options, {
    messaging,
    devices: options.devices,
    switchDriver: options.driver ?? siteDriver({ gpu }),
    telemetryDriver: options.driver ?? siteDriver({ gpu }),
    ...(options.site ? { site: options.site } : {}),
  });
  return {
    siteId: options.siteId,
    switchAgent: agents.switchAgent,
    telemetry: agents.telemetry,
    messaging,
    state: () => ({
      siteId: options.siteId,
      connected: messaging.isConnected(),
      switchAgent: agents.switchAgent.view(),
      telemetry: agents.telemetry.view(),
    }),
    tick: () => agents.switchAgent.tick(),
    pollTelemetry: () => agents.telemetry.poll(),
    stop: async () => {
      await agents.stop();
      if (owned) await messaging.close();
    },
  };
}

type AgentOptions = Omit<StartGatewayOptions, 'devices' | 'site' | 'driver'> & {
  readonly onSwitch?: (cause: string, accepted: number, sent: number) => void;
};

/** The gateway's MQTT connection: the one given, or its own to the broker (then the gateway closes it). */
async function gatewayMessaging(options: AgentOptions): Promise<{ messaging: MessagingPort; owned: boolean }> {
  if (options.messaging) return { messaging: options.messaging, owned: false };
  if (!options.brokerUrl) throw new Error('startGateway: brokerUrl or messaging is required');
  const messaging = await connectMqttPort({
    url: options.brokerUrl,
    // The gateway policy lets a certificate connect as its thing name or `<thing>#<suffix>` (the nucleus's form).
    clientId: `${options.siteId}#gateway-${process.pid}`,
    ...(options.tls ? { mqtt: { ...options.tls, rejectUnauthorized: true } } : {}),
    reconnectPeriodMs: 200,
    // The gateway starts and fails safe with the broker down; it connects when the broker comes.
    waitForConnection: false,
  });
  return { messaging, owned: true };
}

/** Both components on one site's devices, driver and model, sharing `messaging`. */
async function startAgents(
  options: AgentOptions,
  hardware: {
    readonly messaging: MessagingPort;
    readonly devices: readonly GatewayDevice[];
    readonly switchDriver: DeviceDriver;
    readonly telemetryDriver: DeviceDriver;
    readonly site?: Site;
    /** The site configuration's revenue meter: it, not the recipe, names the meter of a gateway on its shadow. */
    readonly siteMeter?: SiteMeter;
  },
): Promise<{ switchAgent: SwitchAgent; telemetry: TelemetryAgent; stop(): Promise<void> }> {
  const clock = options.clock ?? systemClock;
  const autoTick = options.autoTick ?? true;
  const { messaging } = hardware;
  const { config: switchConfig, meter: meterOptions } = onSiteMeter(
    switchAgentConfigSchema.parse({ ...options.config?.switchAgent, siteId: options.siteId }),
    hardware.siteMeter,
  );
  const telemetryConfig = telemetryConfigSchema.parse({
    ...options.config?.telemetry,
    siteId: options.siteId,
    gatewayId: `gw-${options.siteId}`,
  });
  const devices = hardware.devices.map(({ id, kind, groupId, address, port }) => ({
    id,
    kind,
    groupId,
    address,
    port,
  }));
  const meter = options.meter ?? (meterOptions ? new SunSpecMeter(meterOptions) : undefined);
  const switchAgent = await SwitchAgent.start(
    {
      config: switchConfig,
      devices,
      driver: hardware.switchDriver,
      messaging,
      clock,
      stateFile: path.join(options.stateDir, 'switch-agent', 'state.json'),
      ...(hardware.site ? { site: hardware.site } : {}),
      ...(meter ? { meter } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.onSwitch
        ? {
            onApplied: (cause: string, r: { accepted: number; sent: number }) =>
              options.onSwitch!(cause, r.accepted, r.sent),
          }
        : {}),
    },
    { autoTick },
  );
  const telemetry = new TelemetryAgent({
    config: telemetryConfig,
    devices,
    driver: hardware.telemetryDriver,
    messaging,
    clock,
    spoolDir: path.join(options.stateDir, 'telemetry', 'spool'),
    onReading: (device, reading) => switchAgent.observe(device.id, reading.powered),
  });
  telemetry.start({ autoPoll: autoTick });
  return {
    switchAgent,
    telemetry,
    stop: async () => {
      await telemetry.stop();
      await switchAgent.stop();
      await meter?.close();
    },
  };
}

export interface StartShadowGatewayOptions extends AgentOptions {
  /** Braiins OS+ credentials for `braiins` groups. @default root, no password */
  readonly braiins?: { readonly username: string; readonly password: string };
}

export interface ShadowGatewayState {
  readonly siteId: string;
  readonly connected: boolean;
  readonly siteConfig: SiteConfigView;
  /** Absent until a configuration is in force. */
  readonly switchAgent?: SwitchAgentView;
  readonly telemetry?: TelemetryView;
  /** The devices the configuration in force names. */
  readonly devices: readonly GatewayDevice[];
}

export interface RunningShadowGateway {
  readonly siteId: string;
  readonly messaging: MessagingPort;
  readonly siteConfig: SiteConfigKeeper;
  state(): ShadowGatewayState;
  /** The agents of the configuration in force, if any. */
  agents(): { readonly switchAgent: SwitchAgent; readonly telemetry: TelemetryAgent } | undefined;
  tick(): Promise<void>;
  pollTelemetry(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A gateway that knows nothing of its site but its id: its devices, drivers, market node and site model come from
 * the site configuration in its named shadow (core/fleet/gateway-config-shadow.ts), read at start and on each change,
 * cached under `stateDir` so it starts offline with the last good one. A new configuration restarts both agents on
 * it (their state files carry plan, sequence and holds across); a refused one leaves the running agents alone.
 */
export async function startShadowGateway(options: StartShadowGatewayOptions): Promise<RunningShadowGateway> {
  const { messaging, owned } = await gatewayMessaging(options);
  const clock = options.clock ?? systemClock;
  const gpu = options.gpuTransport ?? httpTransport();
  let running: (Awaited<ReturnType<typeof startAgents>> & { scope: MessagingPort }) | undefined;
  let devices: GatewayDevice[] = [];
  const apply = async (config: GatewayConfig) => {
    const next = devicesOf(config);
    const drivers = { gpu, ...(options.braiins ? { braiins: options.braiins } : {}) };
    if (running) {
      await running.stop();
      await running.scope.close();
    }
    const scope = scopedMessaging(messaging);
    const agents = await startAgents(options, {
      messaging: scope,
      devices: next,
      switchDriver: configuredSiteDriver(config, drivers),
      telemetryDriver: configuredSiteDriver(config, drivers),
      site: config.site,
      ...(config.meter ? { siteMeter: config.meter } : {}),
    });
    running = { ...agents, scope };
    devices = next;
  };
  const shadow = await namedShadowOverMqtt(messaging, options.siteId, SITE_CONFIG_SHADOW);
  const siteConfig = await SiteConfigKeeper.start({
    siteId: options.siteId,
    cacheFile: path.join(options.stateDir, 'site-config', 'gateway-config.json'),
    shadow,
    messaging,
    clock,
    apply,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    siteId: options.siteId,
    messaging,
    siteConfig,
    state: () => ({
      siteId: options.siteId,
      connected: messaging.isConnected(),
      siteConfig: siteConfig.view(),
      ...(running ? { switchAgent: running.switchAgent.view(), telemetry: running.telemetry.view() } : {}),
      devices,
    }),
    agents: () => running && { switchAgent: running.switchAgent, telemetry: running.telemetry },
    tick: async () => running?.switchAgent.tick(),
    pollTelemetry: async () => (running ? running.telemetry.poll() : 0),
    stop: async () => {
      await running?.stop();
      if (owned) await messaging.close();
    },
  };
}
