/**
 * The gateway's one messaging port. `cloud` is the IoT Core connection (commands, acks, telemetry, heartbeat); `local`
 * is the gateway's own pub/sub (grid and price signals from a relay or meter on the site LAN). On Greengrass the two
 * are different IPC operations; with the direct MQTT adapter both are the same broker.
 */
export type Channel = 'cloud' | 'local';

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface MessagingPort {
  /** Resolves when the message is acknowledged (QoS 1 PUBACK, or accepted by the nucleus); rejects on failure. */
  publish(channel: Channel, topic: string, payload: string, qos: 0 | 1): Promise<void>;
  subscribe(channel: Channel, topic: string, handler: MessageHandler): Promise<void>;
  /** Whether a publish to the cloud can be acknowledged now. */
  isConnected(): boolean;
  /** Returns the unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

/** MQTT topic filter match with `+` and `#`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * A view of `port` that can be closed without closing the connection: after `close()` its handlers hear nothing and
 * its publishes are refused. The gateway gives one to each generation of agents, so agents replaced on a new site
 * configuration stop hearing commands (the port has no unsubscribe; the old subscriptions go quiet instead).
 */
export function scopedMessaging(port: MessagingPort): MessagingPort {
  let closed = false;
  const unsubscribes: Array<() => void> = [];
  return {
    publish: (channel, topic, payload, qos) =>
      closed ? Promise.reject(new Error('messaging scope closed')) : port.publish(channel, topic, payload, qos),
    subscribe: (channel, topic, handler) =>
      port.subscribe(channel, topic, (t, payload) => {
        if (!closed) handler(t, payload);
      }),
    isConnected: () => !closed && port.isConnected(),
    onConnectionChange: (listener) => {
      const off = port.onConnectionChange((connected) => {
        if (!closed) listener(connected);
      });
      unsubscribes.push(off);
      return off;
    },
    close: async () => {
      closed = true;
      for (const off of unsubscribes) off();
    },
  };
}
