import { parsePlatformArgs } from '../../../sim/platform/options.js';

describe('npm start flags', () => {
  it('runs with defaults when given no flags', () => {
    expect(parsePlatformArgs([])).toMatchObject({ port: 3000, seed: 42, sites: 3 });
  });

  it('reads each flag', () => {
    const options = parsePlatformArgs(['--port', '8080', '--seed', '7', '--sites', '2', '--data', '/tmp/hcp']);
    expect(options).toMatchObject({ port: 8080, seed: 7, sites: 2, data: '/tmp/hcp' });
  });

  it.each([
    [['--colour', 'red'], /unknown flag --colour/],
    [['--port'], /--port needs a value/],
    [['--port', 'eighty'], /--port:/],
    [['--sites', '9'], /--sites:/],
  ])('refuses %j naming the flag', (argv, message) => {
    expect(() => parsePlatformArgs(argv)).toThrow(message);
  });
});
