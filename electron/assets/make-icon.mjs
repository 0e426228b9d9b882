// Writes electron/assets/icon.png (512x512 RGBA): a red stop octagon with a white bar on the
// app's dark background. Plain zlib + a hand-built PNG, so no image library is needed.
// Run: node electron/assets/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SUPERSAMPLE = 4;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Inside a regular octagon of circumradius r centred at (cx, cy), flat sides on the axes. */
function inOctagon(x, y, cx, cy, r) {
  const apothem = r * Math.cos(Math.PI / 8);
  const dx = Math.abs(x - cx);
  const dy = Math.abs(y - cy);
  return dx <= apothem && dy <= apothem && dx + dy <= apothem * Math.SQRT2;
}

function inRoundedSquare(x, y, size, radius) {
  const cx = Math.min(Math.max(x, radius), size - radius);
  const cy = Math.min(Math.max(y, radius), size - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** Colour of one sample point, RGBA 0..255. */
function sample(x, y) {
  const c = SIZE / 2;
  if (!inRoundedSquare(x, y, SIZE, 96)) return [0, 0, 0, 0];
  const barHalfW = 120;
  const barHalfH = 34;
  if (Math.abs(x - c) <= barHalfW && Math.abs(y - c) <= barHalfH) return [255, 255, 255, 255];
  if (inOctagon(x, y, c, c, 210)) return [218, 54, 51, 255];
  if (inOctagon(x, y, c, c, 226)) return [255, 255, 255, 255];
  return [13, 17, 23, 255];
}

export function renderIcon() {
  const stride = SIZE * 4 + 1;
  const raw = Buffer.alloc(stride * SIZE);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let y = 0; y < SIZE; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const px = sample(x + (sx + 0.5) / SUPERSAMPLE, y + (sy + 0.5) / SUPERSAMPLE);
          // premultiply so transparent samples do not darken the edges
          const a = px[3] / 255;
          acc[0] += px[0] * a;
          acc[1] += px[1] * a;
          acc[2] += px[2] * a;
          acc[3] += px[3];
        }
      }
      const alpha = acc[3] / n;
      const o = y * stride + 1 + x * 4;
      const un = alpha > 0 ? 255 / alpha : 0;
      raw[o] = Math.round((acc[0] / n) * un);
      raw[o + 1] = Math.round((acc[1] / n) * un);
      raw[o + 2] = Math.round((acc[2] / n) * un);
      raw[o + 3] = Math.round(alpha);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = join(import.meta.dirname, 'icon.png');
writeFileSync(out, renderIcon());
console.log(`wrote ${out} (${SIZE}x${SIZE})`);
