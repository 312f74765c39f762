import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { encodePng, iconPixels } from '../../../sim/platform/dashboard-icons.js';
import { type InjectionRequest, UnknownSiteError } from '../../../sim/platform/injections.js';
import { handleInjection, isLoopback, localRoutes } from '../../../sim/platform/local-routes.js';

const event = (body: string | null) =>
  ({ body, requestContext: { requestId: 'req-1' } }) as unknown as Pick<
    APIGatewayProxyEvent,
    'body' | 'requestContext'
  >;

const accepted = async (request: InjectionRequest) => ({
  kind: request.kind,
  siteIds: request.siteIds ?? ['site-west-1'],
  from: '2025-01-13T06:00:00.000Z',
  until: '2025-01-13T06:30:00.000Z',
});

describe('POST /local/inject', () => {
  it('accepts a valid injection with 202 and its window', async () => {
    const response = await handleInjection(event('{"kind":"price-spike","priceUsdPerMwh":900}'), accepted);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ kind: 'price-spike', until: '2025-01-13T06:30:00.000Z' });
  });

  it.each([
    ['not json', 'body: must be a JSON object'],
    ['{"kind":"price-spike","priceUsdPerMwh":"high"}', 'priceUsdPerMwh:'],
    ['{"kind":"price-spike","priceUsdPerMwh":900,"durationMinutes":99999}', 'durationMinutes:'],
  ])('answers 400 naming the field for %s', async (body, message) => {
    const response = await handleInjection(event(body), accepted);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toContain(message);
  });

  it('answers 400 naming siteIds for an unknown site, not 500', async () => {
    const response = await handleInjection(event('{"kind":"under-frequency","siteIds":["site-x"]}'), async () => {
      throw new UnknownSiteError('site-x');
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.issues[0]).toMatchObject({ field: 'siteIds' });
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.168.1.20', false],
    ['::ffff:10.0.0.7', false],
    [undefined, false],
  ])('%s → %s', (ip, expected) => {
    expect(isLoopback(ip)).toBe(expected);
  });
});

describe('the dashboard icons', () => {
  /** Reads a PNG back: its size from IHDR, each chunk's CRC checked, the RGBA pixels inflated from IDAT. */
  function decode(png: Buffer) {
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    let at = 8;
    const chunks: Record<string, Buffer> = {};
    while (at < png.length) {
      const length = png.readUInt32BE(at);
      const typed = png.subarray(at + 4, at + 8 + length);
      // zlib's crc32 where present (Node 22+), else the chunk must at least carry 4 bytes of it.
      const crc = png.readUInt32BE(at + 8 + length);
      if ('crc32' in zlib) expect((zlib as unknown as { crc32(b: Buffer): number }).crc32(typed)).toBe(crc);
      chunks[typed.subarray(0, 4).toString('ascii')] = typed.subarray(4);
      at += 12 + length;
    }
    const width = chunks.IHDR!.readUInt32BE(0);
    const raw = zlib.inflateSync(chunks.IDAT!);
    return { width, height: chunks.IHDR!.readUInt32BE(4), raw, ended: 'IEND' in chunks };
  }

  it.each([
    [192, 'any'],
    [512, 'maskable'],
  ] as const)('encodes a %i px %s icon as a PNG of that size whose pixels read back', (size, purpose) => {
    // Act
    const png = encodePng(size, size, iconPixels(size, purpose));
    // Assess
    const { width, height, raw, ended } = decode(png);
    expect([width, height, ended]).toEqual([size, size, true]);
    expect(raw.length).toBe((size * 4 + 1) * size);
    const pixel = (x: number, y: number) => [
      ...raw.subarray(y * (size * 4 + 1) + 1 + x * 4, y * (size * 4 + 1) + 5 + x * 4),
    ];
    expect(pixel(0, 0)).toEqual([0x0f, 0x14, 0x19, 255]); // the background in the corner
    expect(pixel(size / 2, size / 2)).toEqual([0xf2, 0xa9, 0x3b, 255]); // the bolt in the middle
  });

  it('keeps a maskable icon inside the safe zone (the central 80% circle)', () => {
    const size = 100;
    const pixels = iconPixels(size, 'maskable');
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const off = Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) > 0.4 * size;
        if (off) expect(pixels[(y * size + x) * 4]).toBe(0x0f);
      }
    }
  });
});

describe('the service worker shell', () => {
  const dashboard = (file: string) => readFileSync(path.resolve('sim', 'dashboard', file), 'utf8');
  const shell = JSON.parse(
    /const SHELL = (\[[^\]]*\])/
      .exec(dashboard('sw.js'))![1]!
      .replace(/'/g, '"')
      .replace(/,\s*\]/, ']'),
  ) as string[];
  const served = localRoutes({ state: () => ({}), info: () => ({}), inject: accepted }).map((r) => r.resource);

  it('keeps every file the page loads, so an offline reload draws the whole page', () => {
    // Prepare: the page's own scripts, styles, manifest and icons (same-origin paths).
    const loaded = [...dashboard('index.html').matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]);
    // Assess
    expect(loaded.length).toBeGreaterThan(5);
    expect(loaded.filter((p) => !shell.includes(p!))).toEqual([]);
  });

  it('keeps only files the platform serves (a missing one would fail the install)', () => {
    expect(shell.filter((p) => !served.includes(p))).toEqual([]);
  });
});
