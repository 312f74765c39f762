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
