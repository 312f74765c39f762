import fc from 'fast-check';
import { ipv6Groups, isReservedAddress } from '../../../core/webhooks/addresses.js';

describe('addresses a webhook may never reach', () => {
  it.each([
    '169.254.169.254',
    '10.0.0.5',
    '127.0.0.1',
    '100.64.0.1',
    '192.168.1.1',
    '172.31.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    'ff02::1',
    '2001:db8::1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.5',
    '::10.0.0.5',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::10.0.0.5',
    '2002:a9fe:a9fe::1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isReservedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2a00:1450::1'])(
    'accepts the public address %s',
    (address) => {
      expect(isReservedAddress(address)).toBe(false);
    },
  );

  it('reads every IPv4-mapped address as the IPv4 address it carries, in both spellings', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        const hex = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        expect(isReservedAddress(`::ffff:${v4}`)).toBe(isReservedAddress(v4));
        expect(isReservedAddress(hex)).toBe(isReservedAddress(v4));
      }),
      { seed: 20261206 },
    );
  });

  it('expands IPv6 text to eight groups', () => {
    expect(ipv6Groups('fd00:ec2::254')).toEqual([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]);
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Groups('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });
});
