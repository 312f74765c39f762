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
      asics: 500,
      gpuNodes: 4,
      gpusPerNode: 8,
      seed: 7,
      siteId: 'site-south-1',
      addressing: 'loopback',
    });
  });

  it.each([
    [['--asics', '-3'], '--asics: expected an integer from 0 to 20000'],
    [['--asics', '3x'], '--asics: expected an integer from 0 to 20000'],
    [['--gpus'], '--gpus: needs a value'],
    [['--seed', '1.5'], '--seed: expected an integer from 0 to 4294967295'],
    [['--site', 'mars-1'], '--site: Invalid option: expected one of "site-west-1"|"site-south-1"|"site-north-1"'],
    [['--addressing', 'ipv6'], '--addressing: Invalid option: expected one of "ports"|"loopback"'],
    [['--asic', '3'], '--asic: unknown flag; known: --asics, --gpus, --gpus-per-node, --seed, --site, --addressing'],
  ])('rejects %j naming the flag', (argv, message) => {
    // Act / Assess
    expect(() => parseDevicesArgs(argv)).toThrow(message);
  });
});
