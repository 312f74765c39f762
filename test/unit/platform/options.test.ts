import { dispatchEveryRealMs, parsePlatformArgs } from '../../../sim/platform/options.js';

describe('npm start flags', () => {
  it('runs with defaults when given no flags: 15x, so a 5-minute dispatch every 20 s', () => {
    // Act
    const options = parsePlatformArgs([]);
    // Assess
    expect(options).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      seed: 42,
      sites: 3,
      speed: 15,
      workloadsPerHour: 60,
      tls: false,
    });
    expect(dispatchEveryRealMs(options)).toBe(20_000);
  });

  it('reads each flag', () => {
    const options = parsePlatformArgs([
      '--port',
      '8080',
      '--seed',
      '7',
      '--sites',
      '2',
      '--data',
      '/tmp/hcp',
      '--speed',
      '60',
      '--scenario',
      'winter-storm',
      '--workloads-per-hour=0',
      '--host',
      '0.0.0.0',
      '--tls',
    ]);
    expect(options).toMatchObject({
      port: 8080,
      seed: 7,
      sites: 2,
      data: '/tmp/hcp',
      speed: 60,
      scenario: 'winter-storm',
      workloadsPerHour: 0,
      host: '0.0.0.0',
      tls: true,
    });
    expect(dispatchEveryRealMs(options)).toBe(5_000);
  });

  it('takes --tls as a switch without a value', () => {
    expect(() => parsePlatformArgs(['--tls=yes'])).toThrow(/^--tls: takes no value/);
  });

  it('takes the real files together', () => {
    const options = parsePlatformArgs(['--prices', 'package.json', '--hashprice', 'README.md']);
    expect(options).toMatchObject({ prices: 'package.json', hashprice: 'README.md' });
  });

  it.each([
    [['--colour', 'red'], /--colour: unknown flag/],
    [['--port'], /--port: needs a value/],
    [['--host', 'a b'], /--host: expected an IPv4 address or a host name/],
    [['--port', 'eighty'], /--port:/],
    [['--sites', '9'], /--sites:/],
    [['--speed', '0'], /--speed:/],
    [['--speed', 'fast'], /--speed:/],
    [['--scenario', 'no-such-week'], /--scenario: unknown scenario; known: .*baseline-week/],
    [['--prices', 'package.json'], /--hashprice: required with --prices/],
    [['--hashprice', 'package.json'], /--prices: required with --hashprice/],
    [['--prices', '/nonexistent/prices.csv', '--hashprice', 'package.json'], /--prices: no such file/],
    [
      ['--scenario', 'baseline-week', '--prices', 'package.json', '--hashprice', 'README.md'],
      /--scenario: not with --prices/,
    ],
    [['--workloads-per-hour', '-1'], /--workloads-per-hour:/],
  ])('refuses %j naming the flag', (argv, message) => {
    expect(() => parsePlatformArgs(argv)).toThrow(message);
  });
});
