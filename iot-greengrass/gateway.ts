import path from 'node:path';
import type { Site } from '../core/model/site.js';
import { type Clock, systemClock } from '../core/support/clock.js';
import type { DeviceDriver, GatewayDevice } from './adapters/device-port.js';
import { httpTransport, type NvidiaSmiTransport } from './adapters/gpu/nvidia-smi.js';
import { connectMqttPort } from './adapters/messaging/mqtt-client.js';
import type { MessagingPort } from './adapters/messaging/port.js';
import { type SiteMeterPort, SunSpecMeter } from './adapters/meter/sunspec-meter.js';
import { siteDriver } from './adapters/site-driver.js';
import { type SwitchAgentConfigInput, switchAgentConfigSchema } from './components/com.hcp.SwitchAgent/src/config.js';
import { SwitchAgent, type SwitchAgentView } from './components/com.hcp.SwitchAgent/src/switch-agent.js';
import { type TelemetryConfigInput, telemetryConfigSchema } from './components/com.hcp.Telemetry/src/config.js';
import { TelemetryAgent, type TelemetryView } from './components/com.hcp.Telemetry/src/telemetry-agent.js';

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
  /** Replaces the SunSpec meter `config.switchAgent.sitePower.meter` names (tests). */
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
  const clock = options.clock ?? systemClock;
  const autoTick = options.autoTick ?? true;
  const switchConfig = switchAgentConfigSchema.parse({ ...options.config?.switchAgent, siteId: options.siteId });
  const telemetryConfig = telemetryConfigSchema.parse({
    ...options.config?.telemetry,
    siteId: options.siteId,
    gatewayId: `gw-${options.siteId}`,
  });
  const devices = options.devices.map(({ id, kind, groupId, address, port }) => ({ id, kind, groupId, address, port }));
  const ownsMessaging = options.messaging === undefined;
  let messaging = options.messaging;
  if (!messaging) {
    if (!options.brokerUrl) throw new Error('startGateway: brokerUrl or messaging is required');
    messaging = await connectMqttPort({
      url: options.brokerUrl,
      // The gateway policy lets a certificate connect as its thing name or `<thing>#<suffix>` (the nucleus's form).
      clientId: `${options.siteId}#gateway-${process.pid}`,
      ...(options.tls ? { mqtt: { ...options.tls, rejectUnauthorized: true } } : {}),
      reconnectPeriodMs: 200,
      // The gateway starts and fails safe with the broker down; it connects when the broker comes.
      waitForConnection: false,
    });
  }
  // Separate driver instances: the agent's LuxOS sessions are its own, and telemetry reads need none.
  const gpu = options.gpuTransport ?? httpTransport();
  const driver = options.driver ?? siteDriver({ gpu });
  const telemetryDriver = options.driver ?? siteDriver({ gpu });
  const meterConfig = switchConfig.sitePower?.meter;
  const meter = options.meter ?? (meterConfig ? new SunSpecMeter(meterConfig) : undefined);
  const switchAgent = await SwitchAgent.start(
    {
      config: switchConfig,
      devices,
      driver,
      messaging,
      clock,
      stateFile: path.join(options.stateDir, 'switch-agent', 'state.json'),
      ...(options.site ? { site: options.site } : {}),
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
    driver: telemetryDriver,
    messaging,
    clock,
    spoolDir: path.join(options.stateDir, 'telemetry', 'spool'),
    onReading: (device, reading) => switchAgent.observe(device.id, reading.powered),
  });
  telemetry.start({ autoPoll: autoTick });
  const port = messaging;
  return {
    siteId: options.siteId,
    switchAgent,
    telemetry,
    messaging: port,
    state: () => ({
      siteId: options.siteId,
      connected: port.isConnected(),
      switchAgent: switchAgent.view(),
      telemetry: telemetry.view(),
    }),
    tick: () => switchAgent.tick(),
    pollTelemetry: () => telemetry.poll(),
    stop: async () => {
      await telemetry.stop();
      await switchAgent.stop();
      await meter?.close();
      if (ownsMessaging) await port.close();
    },
  };
}
