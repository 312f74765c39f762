import net from 'node:net';
import { type RequestServer, startRequestServer } from '../../../sim/devices/asic/tcp-server.js';
import { until } from '../../support/until.js';

describe('cgminer request transport', () => {
  let server: RequestServer;

  /** An echo server; 100 ms idle timeout by default, so the stall test takes no time. */
  const startEcho = (idleTimeoutMs = 100) =>
    startRequestServer({ host: '127.0.0.1', port: 0, idleTimeoutMs, maxRequestBytes: 1024 }, (request) =>
      JSON.stringify({ echoed: request.length }),
    );

  beforeEach(async () => {
    server = await startEcho();
  });

  afterEach(async () => {
    await server.close();
  });

  function exchange(write: (socket: net.Socket) => void): Promise<string> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(server.port, '127.0.0.1', () => write(socket));
      socket.on('data', (c) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', () => undefined);
    });
  }

  it('answers a request that stalls half-way once the idle timeout passes, and closes', async () => {
    // Act
    const reply = await exchange((socket) => socket.write('{"command":"sum'));
    await until('the server to close the connection', () => server.openConnections() === 0);

    // Assess
    expect(reply).toBe(`${JSON.stringify({ echoed: 15 })}\0`);
    expect(server.openConnections()).toBe(0);
  });

  it('answers a request sent in several chunks once it is complete', async () => {
    // Prepare: an idle timeout no pause between the chunks can reach, however loaded the machine.
    await server.close();
    server = await startEcho(60_000);

    // Act
    const reply = await exchange((socket) => {
      socket.write('{"command":');
      setTimeout(() => socket.write('"summary"}'), 20);
    });

    // Assess
    expect(reply).toBe(`${JSON.stringify({ echoed: 21 })}\0`);
  });

  it('cuts off an oversized request with one reply', async () => {
    // Act
    const reply = await exchange((socket) => socket.write(`{"command":"${'x'.repeat(2000)}"}`));

    // Assess
    expect(reply.endsWith('\0')).toBe(true);
    expect(reply.split('\0')).toHaveLength(2);
  });

  it('closes an idle connection that never sends anything', async () => {
    // Act
    const reply = await exchange(() => undefined);

    // Assess
    expect(reply).toBe('');
  });
});
