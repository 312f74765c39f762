import { parseDevicesArgs } from '../../../sim/devices/cli-args.js';

describe('devices command flags', () => {
  it('reads counts, seed, site and addressing in both --flag value and --flag=value forms', () => {
    // Act
    const parsed = parseDevicesArgs([
      '--asics',
      '500',
      '--gpus=4',
      '--seed',
      '7',
      '--site=site-south-1',
      '--addressing',
      'loopback',
    ]);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      options: { asics: 500, gpuNodes: 4, gpusPerNode: 8, seed: 7, siteId: 'site-south-1', addressing: 'loopback' },
    });
  });

  it.each([
    [['--asics', '-3'], "--asics must be an integer from 0 to 20000, got '-3'"],
    [['--gpus'], '--gpus needs a value'],
    [['--seed', '1.5'], "--seed must be an integer from 0 to 4294967295, got '1.5'"],
    [['--site', 'mars-1'], "--site must be one of site-west-1, site-south-1, site-north-1, got 'mars-1'"],
    [['--addressing', 'ipv6'], "--addressing must be ports or loopback, got 'ipv6'"],
    [['--asic', '3'], "unknown flag '--asic'"],
  ])('rejects %j naming the flag', (argv, message) => {
    // Act
    const parsed = parseDevicesArgs(argv);

    // Assess
    expect(parsed).toEqual({ ok: false, help: false, error: message });
  });
});
