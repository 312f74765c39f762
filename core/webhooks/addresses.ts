/**
 * Which IP addresses a webhook may never be delivered to: private, loopback, link-local (169.254.169.254 and
 * fd00:ec2::254 are the instance metadata service), CGNAT, benchmark, documentation, multicast and reserved ranges,
 * in IPv4 and IPv6, and IPv4 addresses carried in IPv6 (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible, NAT64
 * `64:ff9b::/96`) judged by the IPv4 address they carry. Pure: the resolver is the caller's.
 */

/** IPv4 dotted quad → its four octets, or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

export function isReservedIpv4(text: string): boolean {
  const octets = ipv4Octets(text);
  if (!octets) return true;
  const [a, b, c] = octets as [number, number, number, number];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224
  );
}

/** IPv6 text (with `::` and an optional trailing dotted quad) → eight 16-bit groups, or undefined. */
export function ipv6Groups(text: string): number[] | undefined {
  let body = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const tail: number[] = [];
  const quad = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (quad?.[1]) {
    const octets = ipv4Octets(quad[1]);
    if (!octets) return undefined;
    tail.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    body = body.slice(0, body.length - quad[1].length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = Array<number>(8 - known).fill(0);
  return [...head.map((g) => Number.parseInt(g, 16)), ...zeros, ...rest.map((g) => Number.parseInt(g, 16)), ...tail];
}

const embeddedIpv4 = (g: readonly number[]) =>
  [(g[6] ?? 0) >> 8, (g[6] ?? 0) & 255, (g[7] ?? 0) >> 8, (g[7] ?? 0) & 255].join('.');

export function isReservedIpv6(text: string): boolean {
  const g = ipv6Groups(text);
  if (!g) return true;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0] = g;
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; :: and ::1 among them): the IPv4 address decides.
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) {
    return g5 === 0 && (g[6] ?? 0) === 0 ? true : isReservedIpv4(embeddedIpv4(g));
  }
  // NAT64 well-known prefix 64:ff9b::/96 reaches the IPv4 address it carries.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isReservedIpv4(embeddedIpv4(g));
  }
  return (
    (g0 & 0xfe00) === 0xfc00 || // fc00::/7 unique local (fd00:ec2::254 is EC2's metadata service)
    (g0 & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (g0 & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated)
    (g0 & 0xff00) === 0xff00 || // ff00::/8 multicast
    (g0 === 0x2001 && g1 === 0x0db8) || // 2001:db8::/32 documentation
    (g0 === 0x2001 && g1 < 0x0200) || // 2001::/23 IETF protocol assignments (Teredo, ORCHID, benchmarking)
    g0 === 0x2002 || // 6to4 carries an IPv4 address the relay would reach
    (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) || // 100::/64 discard
    g0 === 0
  );
}

/** True when a webhook must not be delivered to `address` (IPv4 or IPv6 text; anything unparsable counts). */
export function isReservedAddress(address: string): boolean {
  return address.includes(':') ? isReservedIpv6(address) : isReservedIpv4(address);
}
