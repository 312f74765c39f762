import net from 'node:net';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { callMinerApi, callMinerJson } from '../../../sim/devices/asic/api-client.js';
import { startVirtualMiner, type VirtualMiner } from '../../../sim/devices/asic/virtual-miner.js';
import { asicInventory } from '../../../sim/devices/inventory.js';
import { until } from '../../support/until.js';

const site = referenceFleet.sites[0]!;
const group = site.asicGroups.find((g) => g.model === 'Antminer S21')!;
const START_MS = Date.UTC(2026, 0, 1);

type Reply = Record<string, any>;

describe('virtual miner API over TCP', () => {
  let clock: ManualClock;
  let miner: VirtualMiner;
  const address = () => ({ host: miner.server.host, port: miner.server.port, timeoutMs: 3000 });
  const call = async (request: object): Promise<Reply> => {
    const result = await callMinerJson(address(), request);
    if (!result.ok) throw new Error(`${result.error}: ${result.detail}`);
    return result.reply;
  };
  const logon = async () => (await call({ command: 'logon' })).SESSION[0].SessionID as string;

  beforeEach(async () => {
    clock = new ManualClock(START_MS);
    const item = { ...asicInventory(site, 1, 7)[0]!, groupId: group.id, model: group.model };
    miner = await startVirtualMiner({
      item,
      group,
      clock,
      seed: 7,
      host: '127.0.0.1',
      port: 0,
      physics: { boardFailuresPerBoardYear: 0 },
    });
  });

  afterEach(async () => {
    await miner.server.close();
  });

  it('answers summary with the STATUS envelope, cgminer fields in MH/s, an id and a trailing NUL', async () => {
    // Prepare
    clock.advanceMs(600_000);

    // Act
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(miner.server.port, '127.0.0.1', () => socket.write('{"command":"summary"}'));
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });

    // Assess
    expect(raw[raw.length - 1]).toBe(0);
    const reply = JSON.parse(raw.subarray(0, raw.length - 1).toString('utf8'));
    expect(reply.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 11, Msg: 'Summary', When: (START_MS + 600_000) / 1000 });
    expect(reply.STATUS[0].Description).toMatch(/^LUXminer /);
    expect(reply.id).toBe(1);
    const summary = reply.SUMMARY[0];
    expect(summary.Elapsed).toBe(600);
    // S21 stock: 200 TH/s = 2.0e8 MH/s.
    expect(summary['MHS av']).toBeCloseTo(200e6, -3);
    expect(summary['MHS 5s']).toBeGreaterThan(180e6);
    expect(summary['MHS 5s']).toBeLessThan(220e6);
    expect(summary.Accepted).toBeGreaterThan(0);
    for (const field of ['Rejected', 'Hardware Errors', 'Total MH', 'Difficulty Accepted', 'Best Share']) {
      expect(typeof summary[field]).toBe('number');
    }
  });

  it('answers devs with one ASC record per hashboard and temperatures', async () => {
    // Act
    const reply = await call({ command: 'devs' });

    // Assess
    expect(reply.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 9, Msg: '3 ASC(s)' });
    expect(reply.DEVS).toHaveLength(3);
    expect(reply.DEVS[0]).toMatchObject({ ASC: 0, Status: 'Alive', Enabled: 'Y' });
    expect(reply.DEVS[0].Temperature).toBeGreaterThan(25);
  });

  it.each([
    ['pools', 'POOLS', 7],
    ['stats', 'STATS', 70],
    ['config', 'CONFIG', 33],
    ['version', 'VERSION', 22],
    ['devdetails', 'DEVDETAILS', 69],
    ['profiles', 'PROFILES', 320],
    ['power', 'POWER', 340],
    ['session', 'SESSION', 319],
    ['fans', 'FANS', 202],
    ['temps', 'TEMPS', 201],
  ])('answers %s with its %s section', async (command, section, code) => {
    // Act
    const reply = await call({ command });

    // Assess
    expect(reply.STATUS[0]).toMatchObject({ STATUS: 'S', Code: code });
    expect(Array.isArray(reply[section])).toBe(true);
    expect(reply[section].length).toBeGreaterThan(0);
  });

  it('reports fan speeds and chain temperatures in stats the way Antminer firmware does', async () => {
    // Act
    const reply = await call({ command: 'stats' });

    // Assess
    const detail = reply.STATS[1];
    expect(detail.fan_num).toBe(4);
    expect(detail.fan1).toBeGreaterThan(0);
    expect(detail.temp_chip1).toBeGreaterThan(detail.temp_pcb1);
    expect(detail.chain_rate1).toBeGreaterThan(0);
  });

  it('lists power profiles from the model curve with name, watts and hashrate', async () => {
    // Act
    const reply = await call({ command: 'profiles' });

    // Assess
    const profiles = reply.PROFILES.map((p: Reply) => [p['Profile Name'], p.Watts, p.Hashrate]);
    expect(profiles).toEqual(
      group.powerCurve.map((point, i, all) => [
        i === all.length - 1 ? 'default' : `underclock-${all.length - 1 - i}`,
        point.powerW,
        point.hashrateThs,
      ]),
    );
  });

  it('answers joined report commands per command, each an array with one reply', async () => {
    // Act
    const reply = await call({ command: 'summary+devs+summary++logon' });

    // Assess
    expect(Object.keys(reply).sort()).toEqual(['devs', 'id', 'logon', 'summary']);
    expect(reply.summary).toHaveLength(1);
    expect(reply.summary[0].STATUS[0].STATUS).toBe('S');
    expect(reply.summary[0].SUMMARY).toHaveLength(1);
    expect(reply.devs[0].DEVS).toHaveLength(3);
    expect(reply.logon[0].STATUS[0]).toMatchObject({ STATUS: 'E', Code: 14 });
    expect(reply.id).toBe(1);
  });

  it('answers an unknown command with cgminer code 14 Invalid command', async () => {
    // Act
    const reply = await call({ command: 'frobnicate' });

    // Assess
    expect(reply.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 14, Msg: 'Invalid command' });
  });

  it('answers malformed JSON with code 23 and keeps serving', async () => {
    // Act
    const bad = await callMinerApi(address(), '{"command": summary');
    const missingCommand = await call({ parameter: '1' });
    const after = await call({ command: 'version' });

    // Assess
    expect(bad.ok && JSON.parse(bad.text).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23, Msg: 'Invalid JSON' });
    expect(missingCommand.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 24, Msg: "Missing JSON 'command'" });
    expect(after.STATUS[0].STATUS).toBe('S');
  });

  it('survives a request cut in the middle and releases the connection', async () => {
    // Prepare
    const socket = net.connect(miner.server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    // Act
    socket.write('{"command":"sum');
    socket.destroy();
    await until('the miner to close the connection', () => miner.server.openConnections() === 0);
    const openAfterCut = miner.server.openConnections();
    const after = await call({ command: 'summary' });

    // Assess
    expect(openAfterCut).toBe(0);
    expect(after.STATUS[0].STATUS).toBe('S');
  });

  it('answers a half-closed partial request with Invalid JSON', async () => {
    // Act
    const reply = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(miner.server.port, '127.0.0.1', () => socket.end('{"command":"su'));
      socket.on('data', (c) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });

    // Assess
    expect(JSON.parse(reply.replace(/\0$/, '')).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23 });
  });

  // cgminer's api.c (ckolivas/cgminer, api_thread) reads a request with ONE recv of at most TMPBUFSIZ / 2 - 1 = 4095
  // bytes and parses only those: a longer JSON request is cut there and answered "Invalid JSON" (code 23), a longer
  // text request is read as the command its first 4095 bytes spell (code 14), and the connection is closed.
  const rawExchange = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(miner.server.port, '127.0.0.1', () => socket.write(request));
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => {
        socket.destroy();
        resolve(Buffer.concat(chunks).toString('utf8').replace(/\0$/, ''));
      });
      socket.on('error', reject);
    });
  const padded = (bytes: number) => {
    const head = '{"command":"version","parameter":"';
    return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
  };

  it("answers a valid JSON command longer than cgminer's 4095-byte read as Invalid JSON, as the firmware does", async () => {
    // Act
    const fits = await rawExchange(padded(4095));
    const over = await rawExchange(padded(4096));
    const huge = await rawExchange(padded(100 * 1024));
    const text = await rawExchange(`version|${'x'.repeat(5000)}`);
    const after = await call({ command: 'version' });

    // Assess
    expect(JSON.parse(fits).STATUS[0]).toMatchObject({ STATUS: 'S', Code: 22 });
    expect(JSON.parse(over).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23, Msg: 'Invalid JSON' });
    expect(JSON.parse(huge).STATUS[0]).toMatchObject({ STATUS: 'E', Code: 23, Msg: 'Invalid JSON' });
    expect(text).toMatch(/^STATUS=S,When=\d+,Code=22,/);
    expect(after.STATUS[0].STATUS).toBe('S');
  });

  it('serves many concurrent connections', async () => {
    // Act
    const replies = await Promise.all(Array.from({ length: 50 }, () => call({ command: 'summary' })));

    // Assess
    expect(replies.every((r) => r.STATUS[0].STATUS === 'S')).toBe(true);
  });

  it('answers the plain-text form with KEY=value records', async () => {
    // Act
    const result = await callMinerApi(address(), 'summary');

    // Assess
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.text).toMatch(/^STATUS=S,When=\d+,Code=11,Msg=Summary,.*\|SUMMARY,Elapsed=0,MHS av=/);
  });

  it('refuses curtail and profileset without a valid session', async () => {
    // Act
    const noSession = await call({ command: 'curtail', parameter: 'sleep' });
    const forged = await call({ command: 'profileset', parameter: 'abcdefgh,underclock-1' });
    const power = await call({ command: 'power' });

    // Assess
    expect(noSession.STATUS[0].STATUS).toBe('E');
    expect(noSession.STATUS[0].Msg).toMatch(/session/i);
    expect(forged.STATUS[0].STATUS).toBe('E');
    expect(power.POWER[0]).toMatchObject({ State: 'hashing', Profile: 'default' });
  });

  it('allows one session at a time and frees it on logoff', async () => {
    // Prepare
    const session = await logon();

    // Act
    const second = await call({ command: 'logon' });
    const shown = await call({ command: 'session' });
    const off = await call({ command: 'logoff', parameter: session });
    const again = await call({ command: 'logon' });

    // Assess
    expect(session).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(second.STATUS[0].STATUS).toBe('E');
    expect(shown.SESSION[0].SessionID).toBe(session);
    expect(off.STATUS[0].STATUS).toBe('S');
    expect(again.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 316 });
  });

  it('expires an idle session after one minute', async () => {
    // Prepare
    const session = await logon();
    clock.advanceMs(61_000);

    // Act
    const reply = await call({ command: 'curtail', parameter: `${session},sleep` });

    // Assess
    expect(reply.STATUS[0].STATUS).toBe('E');
  });

  it('curtails to sleep and wakes up through the API, with the state readable back', async () => {
    // Prepare
    const session = await logon();

    // Act
    const sleep = await call({ command: 'curtail', parameter: `${session},sleep` });
    clock.advanceMs(group.sleepSeconds * 1000);
    const asleep = (await call({ command: 'power' })).POWER[0];
    const config = (await call({ command: 'config' })).CONFIG[0];
    const wake = await call({ command: 'curtail', parameter: `${session},wakeup` });
    clock.advanceMs(1000);
    const waking = (await call({ command: 'power' })).POWER[0];
    clock.advanceMs(group.wakeSeconds * 1000);
    const hashing = await call({ command: 'summary+power' });

    // Assess
    expect(sleep.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 335 });
    expect(sleep.CURTAIL[0].Action).toBe('sleep mode');
    expect(asleep).toMatchObject({ State: 'asleep', Watts: group.sleepPowerW, PSU: false });
    expect(config.CurtailMode).toBe('Sleep');
    expect(wake.CURTAIL[0].Action).toBe('wake up');
    expect(waking.State).toBe('waking');
    expect(hashing.power[0].POWER[0].State).toBe('hashing');
    expect(hashing.summary[0].SUMMARY[0]['MHS 5s']).toBeGreaterThan(0);
  });

  it('sets a profile by name or power selector and refuses an unknown one', async () => {
    // Prepare
    const session = await logon();

    // Act
    const byName = await call({ command: 'profileset', parameter: `${session},underclock-2` });
    const afterName = (await call({ command: 'power' })).POWER[0];
    const bySelector = await call({ command: 'profileset', parameter: `${session},1750W` });
    const unknown = await call({ command: 'profileset', parameter: `${session},turbo` });
    const missingAction = await call({ command: 'curtail', parameter: `${session}` });

    // Assess
    expect(byName.STATUS[0]).toMatchObject({ STATUS: 'S', Code: 321 });
    expect(afterName).toMatchObject({ Profile: 'underclock-2', Watts: group.powerCurve[1]!.powerW });
    expect(bySelector.PROFILE[0].Profile).toBe('underclock-3');
    expect(unknown.STATUS[0].STATUS).toBe('E');
    expect(missingAction.STATUS[0].STATUS).toBe('E');
  });

  it('injects the failures a gateway must survive: reset, hang and slow replies', async () => {
    // Act
    miner.server.setFault({ kind: 'reset' });
    const reset = await callMinerApi({ ...address(), timeoutMs: 1000 }, { command: 'summary' });
    miner.server.setFault({ kind: 'hang' });
    const hung = await callMinerApi({ ...address(), timeoutMs: 200 }, { command: 'summary' });
    miner.server.setFault({ kind: 'slow', delayMs: 100 });
    const slow = await callMinerApi({ ...address(), timeoutMs: 2000 }, { command: 'summary' });
    miner.server.setFault(null);
    const healthy = await call({ command: 'summary' });

    // Assess
    expect(reset).toMatchObject({ ok: false, error: 'connection' });
    expect(hung).toMatchObject({ ok: false, error: 'timeout' });
    expect(slow.ok).toBe(true);
    expect(healthy.STATUS[0].STATUS).toBe('S');
  });
});
