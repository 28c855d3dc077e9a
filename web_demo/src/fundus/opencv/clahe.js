/**
 * cv2.createCLAHE(clipLimit, (tiles, tiles)).apply(plane) on an 8-bit plane (CLAHE_Impl::apply in
 * modules/imgproc/src/clahe.cpp): per-tile histograms clipped at an integer limit with the excess
 * spread evenly, cumulative lookup tables scaled in float, and bilinear interpolation between the
 * four nearest tiles in float, rounded half to even. Port of Clahe.java.
 */
import { f, saturateU8Float } from './rounding.js';

const HIST_SIZE = 256;

/**
 * Equalise `plane` (width * height values 0-255, row-major) into a new Uint8Array.
 * @param {Uint8Array} plane
 */
export function clahe(plane, width, height, clipLimit, tiles) {
  let source = plane;
  let lutWidth = width;
  let lutHeight = height;
  if (width % tiles !== 0 || height % tiles !== 0) {
    lutWidth = width + tiles - (width % tiles);
    lutHeight = height + tiles - (height % tiles);
    source = reflect101(plane, width, height, lutWidth, lutHeight);
  }
  const tileWidth = lutWidth / tiles;
  const tileHeight = lutHeight / tiles;
  const tileArea = tileWidth * tileHeight;
  const lutScale = f((HIST_SIZE - 1) / tileArea);
  let limit = 0;
  if (clipLimit > 0) limit = Math.max(Math.trunc((clipLimit * tileArea) / HIST_SIZE), 1);
  const luts = [];
  for (let k = 0; k < tiles * tiles; k++) {
    luts.push(tileLut(source, lutWidth, (k % tiles) * tileWidth, Math.floor(k / tiles) * tileHeight, tileWidth, tileHeight, limit, lutScale));
  }
  return interpolate(plane, width, height, luts, tileWidth, tileHeight, tiles);
}

/** CLAHE_CalcLut_Body: the clipped, equalising lookup table of one tile. */
function tileLut(source, stride, x0, y0, tileWidth, tileHeight, limit, lutScale) {
  const hist = new Int32Array(HIST_SIZE);
  for (let y = y0; y < y0 + tileHeight; y++) {
    for (let x = x0; x < x0 + tileWidth; x++) hist[source[y * stride + x]]++;
  }
  if (limit > 0) {
    let clipped = 0;
    for (let i = 0; i < HIST_SIZE; i++) {
      if (hist[i] > limit) {
        clipped += hist[i] - limit;
        hist[i] = limit;
      }
    }
    const batch = Math.trunc(clipped / HIST_SIZE);
    let residual = clipped - batch * HIST_SIZE;
    for (let i = 0; i < HIST_SIZE; i++) hist[i] += batch;
    if (residual !== 0) {
      const step = Math.max(Math.trunc(HIST_SIZE / residual), 1);
      for (let i = 0; i < HIST_SIZE && residual > 0; i += step, residual--) hist[i]++;
    }
  }
  const lut = new Uint8Array(HIST_SIZE);
  let sum = 0;
  for (let i = 0; i < HIST_SIZE; i++) {
    sum += hist[i];
    lut[i] = saturateU8Float(f(sum * lutScale));
  }
  return lut;
}

/** CLAHE_Interpolation_Body: each pixel through the luts of its four nearest tiles. */
function interpolate(plane, width, height, luts, tileWidth, tileHeight, tiles) {
  const inverseTileWidth = f(1 / tileWidth);
  const inverseTileHeight = f(1 / tileHeight);
  const tx1 = new Int32Array(width);
  const tx2 = new Int32Array(width);
  const xa = new Float32Array(width);
  const xa1 = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const txf = f(f(x * inverseTileWidth) - 0.5);
    const left = Math.floor(txf);
    xa[x] = txf - left;
    xa1[x] = 1 - xa[x];
    tx1[x] = Math.max(left, 0);
    tx2[x] = Math.min(left + 1, tiles - 1);
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const tyf = f(f(y * inverseTileHeight) - 0.5);
    const top = Math.floor(tyf);
    const ya = f(tyf - top);
    const ya1 = f(1 - ya);
    const ty1 = Math.max(top, 0);
    const ty2 = Math.min(top + 1, tiles - 1);
    for (let x = 0; x < width; x++) {
      const value = plane[y * width + x];
      const upper = f(f(f(luts[ty1 * tiles + tx1[x]][value] * xa1[x]) + f(luts[ty1 * tiles + tx2[x]][value] * xa[x])) * ya1);
      const lower = f(f(f(luts[ty2 * tiles + tx1[x]][value] * xa1[x]) + f(luts[ty2 * tiles + tx2[x]][value] * xa[x])) * ya);
      out[y * width + x] = saturateU8Float(f(upper + lower));
    }
  }
  return out;
}

/** cv2.copyMakeBorder(..., BORDER_REFLECT_101) on the bottom and right edges only. */
function reflect101(plane, width, height, paddedWidth, paddedHeight) {
  const out = new Uint8Array(paddedWidth * paddedHeight);
  for (let y = 0; y < paddedHeight; y++) {
    const sy = reflectIndex(y, height);
    for (let x = 0; x < paddedWidth; x++) out[y * paddedWidth + x] = plane[sy * width + reflectIndex(x, width)];
  }
  return out;
}

/** OpenCV's borderInterpolate for BORDER_REFLECT_101 past the end (gfedcb|abcdefgh|gfedcba). */
function reflectIndex(i, size) {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  const r = i % period;
  return r < size ? r : period - r;
}
