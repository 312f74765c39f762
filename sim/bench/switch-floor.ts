import net from 'node:net';
import { request, section } from '../../iot-greengrass/adapters/asic/cgminer-client.js';
import { mapWithConcurrency } from '../../iot-greengrass/adapters/asic/fan-out.js';
import type { DeviceEndpoint } from '../devices/fleet.js';

/**
 * The floor of a site switch, for `bench:gateway` to compare the gateway with: a bare client that sends the same
 * commands to the same devices with the same concurrency and nothing else (connect, send, read to the end of the
 * reply, close). Each miner gets `curtail <session>,sleep|wakeup` over its own TCP connection, as cgminer requires;
 * each GPU node gets the nvidia-smi power-limit POST over a fresh HTTP/1.1 connection. The bytes are built before
 * the clock starts, and the session is the one the gateway holds (LuxOS allows one per miner; `session` names it).
 */
export interface FloorTarget {
  readonly address: string;
  readonly port: number;
  /** The request bytes that curtail (index 0) and restore (index 1) the device. */
  readonly bytes: readonly [Buffer, Buffer];
  /** How a reply that accepts the command starts or reads. */
  readonly accepts: (reply: Buffer) => boolean;
}

const NUL = 0;
const LUXOS_OK = Buffer.from('"STATUS":"S"');
const HTTP_OK = Buffer.from('HTTP/1.1 200');
/** Only the first bytes of a reply decide it; the rest is read and dropped. */
const HEAD_BYTES = 128;

/** Reads what the floor needs before the clock starts: the gateway's LuxOS session, the GPU nodes' limits. */
export async function prepareFloor(endpoints: readonly DeviceEndpoint[]): Promise<FloorTarget[]> {
  return mapWithConcurrency(endpoints, 64, async (device): Promise<FloorTarget> => {
    if (device.kind === 'asic') {
      const reply = await request(device, 'session');
      const id = reply.ok ? section(reply.value, 'SESSION')?.SessionID : undefined;
      if (typeof id !== 'string' || id === '') throw new Error(`floor: no LuxOS session on ${device.id}`);
      const curtail = (action: string) =>
        Buffer.from(JSON.stringify({ command: 'curtail', parameter: `${id},${action}` }));
      return { ...device, bytes: [curtail('sleep'), curtail('wakeup')], accepts: (r) => r.includes(LUXOS_OK) };
    }
    const base = `http://${device.address}:${device.port}`;
    const csv = await (await fetch(`${base}/nvidia-smi?query-gpu=power.min_limit,power.default_limit`)).text();
    const [minW, defaultW] = csv
      .split('\n')[0]!
      .split(',')
      .map((c) => Number(c.trim()));
    const post = (watts: number | undefined) =>
      Buffer.from(
        `POST /nvidia-smi/power-limit?pl=${watts} HTTP/1.1\r\nHost: ${device.address}:${device.port}\r\n` +
          'Connection: close\r\nContent-Length: 0\r\n\r\n',
      );
    return {
      ...device,
      bytes: [post(minW), post(defaultW)],
      accepts: (r) => r.subarray(0, HTTP_OK.length).equals(HTTP_OK),
    };
  });
}

/** Switches every target (curtail when `on` is false) and resolves with how many accepted, once all have replied. */
export async function floorSwitch(targets: readonly FloorTarget[], on: boolean, concurrency: number): Promise<number> {
  const accepted = await mapWithConcurrency(targets, concurrency, (target) => exchange(target, on ? 1 : 0));
  return accepted.filter(Boolean).length;
}

function exchange(target: FloorTarget, index: 0 | 1): Promise<boolean> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect(target.port, target.address, () => socket.write(target.bytes[index]));
    const done = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(target.accepts(head));
    };
    socket.on('data', (chunk: Buffer) => {
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk]);
      // A cgminer reply ends with its NUL; an HTTP reply with `Connection: close` ends when the node closes.
      if (chunk.includes(NUL)) done();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}
