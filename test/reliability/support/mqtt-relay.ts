import type { MqttClient } from 'mqtt';

/**
 * A hop between two topics of the local broker on which a test decides each message's fate: what an unreliable path
 * (an IoT rule, a flaky uplink) does to acks or commands. `decide` sees each message once, in arrival order.
 */
export type RelayAction = 'pass' | 'drop' | 'duplicate' | 'hold';

export interface MqttRelay {
  /** Messages seen, with what was done to each. */
  readonly seen: Array<{ readonly payload: string; readonly action: RelayAction }>;
  /** Forwards every held message, in the order given (default: arrival), and forgets them. */
  release(order?: (held: readonly string[]) => readonly string[]): Promise<void>;
  /** Publishes a seen message again, as a replaying sender would. */
  replay(payload: string): Promise<void>;
  held(): readonly string[];
}

export async function startMqttRelay(
  client: MqttClient,
  route: { readonly from: string; readonly to: string },
  decide: (payload: string, index: number) => RelayAction,
): Promise<MqttRelay> {
  const seen: Array<{ payload: string; action: RelayAction }> = [];
  let held: string[] = [];
  const forward = (payload: string) => client.publishAsync(route.to, payload, { qos: 1 });
  client.on('message', (topic, buffer) => {
    if (topic !== route.from) return;
    const payload = buffer.toString();
    const action = decide(payload, seen.length);
    seen.push({ payload, action });
    if (action === 'hold') held.push(payload);
    if (action === 'pass' || action === 'duplicate') void forward(payload);
    if (action === 'duplicate') void forward(payload);
  });
  await client.subscribeAsync(route.from, { qos: 1 });
  return {
    seen,
    held: () => held,
    async release(order = (h) => h) {
      const batch = order(held);
      held = [];
      for (const payload of batch) await forward(payload);
    },
    replay: async (payload) => {
      await forward(payload);
    },
  };
}
