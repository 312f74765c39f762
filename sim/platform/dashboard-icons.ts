import { deflateSync } from 'node:zlib';

/**
 * The dashboard's app icons, drawn here and encoded as PNG (nothing downloaded, nothing generated on disk): an amber
 * lightning bolt on the dashboard's dark background. `maskable` keeps the bolt inside the safe zone (the central 80%
 * circle Android crops to), as the web app manifest's `purpose: maskable` promises.
 */
export type IconPurpose = 'any' | 'maskable';

const BACKGROUND_RGB = [0x0f, 0x14, 0x19] as const; // --bg of styles.css
const BOLT_RGB = [0xf2, 0xa9, 0x3b] as const; // --asic
/** The bolt in a unit square, clockwise. */
const BOLT: ReadonlyArray<readonly [number, number]> = [
  [0.58, 0.06],
  [0.22, 0.56],
  [0.47, 0.56],
  [0.4, 0.94],
  [0.78, 0.4],
  [0.53, 0.4],
];
/** Samples per pixel side: 4×4 keeps the edges smooth without a rasterizer library. */
const SUPERSAMPLE = 4;

function inside(polygon: ReadonlyArray<readonly [number, number]>, x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** RGBA pixels of the icon, row by row. */
export function iconPixels(sizePx: number, purpose: IconPurpose): Uint8Array {
  // A maskable icon draws in the central 80% (the safe zone); a plain one uses the square less its margin.
  const scale = purpose === 'maskable' ? 0.6 : 0.84;
  const offset = (1 - scale) / 2;
  const bolt = BOLT.map(([x, y]) => [offset + x * scale, offset + y * scale] as const);
  const pixels = new Uint8Array(sizePx * sizePx * 4);
  for (let py = 0; py < sizePx; py++) {
    for (let px = 0; px < sizePx; px++) {
      let covered = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / sizePx;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / sizePx;
          if (inside(bolt, x, y)) covered++;
        }
      }
      const share = covered / SUPERSAMPLE ** 2;
      const at = (py * sizePx + px) * 4;
      for (let c = 0; c < 3; c++) pixels[at + c] = Math.round(BACKGROUND_RGB[c]! * (1 - share) + BOLT_RGB[c]! * share);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks carry it (ISO 3309; node:zlib has crc32 only from Node 22). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** RGBA pixels as a PNG file (8-bit RGBA, no filtering: each scanline starts with filter byte 0). */
export function encodePng(widthPx: number, heightPx: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(widthPx, 0);
  header.writeUInt32BE(heightPx, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, no filter method, no interlace
  const stride = widthPx * 4;
  const raw = Buffer.alloc((stride + 1) * heightPx);
  for (let y = 0; y < heightPx; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

const cache = new Map<string, Buffer>();

/** The icon as PNG bytes, drawn once per size and purpose. */
export function iconPng(sizePx: number, purpose: IconPurpose): Buffer {
  const key = `${sizePx}-${purpose}`;
  let png = cache.get(key);
  if (!png) {
    png = encodePng(sizePx, sizePx, iconPixels(sizePx, purpose));
    cache.set(key, png);
  }
  return png;
}
