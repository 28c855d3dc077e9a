/**
 * The golden vectors of android_demo/fundus-core (written by tools/make_golden.py
 * from edgeseg's Python): every case folder that holds a golden.json, and OpenCV's own results
 * in opencv/cases.json. EDGESEG_GOLDEN_DIR points elsewhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { RgbImage } from '../src/fundus/rgb-image.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_DIR = process.env.EDGESEG_GOLDEN_DIR
  ?? join(HERE, '..', '..', 'export', 'golden');

/** The case folders (those with a golden.json), sorted by name. */
export function goldenCases() {
  if (!existsSync(GOLDEN_DIR)) throw new Error(`${GOLDEN_DIR}: no golden vectors; run python tools/make_golden.py`);
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(GOLDEN_DIR, entry.name, 'golden.json')))
    .map((entry) => entry.name)
    .sort();
}

export function readJson(...parts) {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, ...parts), 'utf8'));
}

/** An 8-bit RGB(A) PNG as an RgbImage (alpha dropped); grayscale PNGs are rejected. */
export function readPng(...parts) {
  const png = PNG.sync.read(readFileSync(join(GOLDEN_DIR, ...parts)), { skipRescale: true });
  if (png.depth !== 8) throw new Error(`${parts.join('/')}: ${png.depth}-bit PNG, expected 8-bit`);
  return RgbImage.fromRgba(png.width, png.height, png.data);
}

/** A gzip-compressed little-endian float32 file as a Float32Array. */
export function readFloat32(...parts) {
  const bytes = gunzipSync(readFileSync(join(GOLDEN_DIR, ...parts)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** How many values differ and the largest difference. */
export function compareArrays(actual, expected) {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  let differing = 0;
  let largest = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i] - expected[i]);
    if (difference > 0) differing++;
    if (difference > largest) largest = difference;
  }
  return { differing, largest };
}
