/**
 * OpenCV's separable fixed-point bilinear resize of 8-bit images (resizeGeneric_ with
 * HResizeLinear<uchar, int, short, 2048> and VResizeLinear<uchar, ...> in
 * modules/imgproc/src/resize.cpp): 11-bit weights, a horizontal pass into 32-bit rows and a
 * vertical pass rounding as ((b0 * (S0 >> 4)) >> 16) + ((b1 * (S1 >> 4)) >> 16) + 2) >> 2.
 * Also the bilinear emulation of INTER_AREA that OpenCV uses when a side is enlarged
 * (area_mode). Port of LinearResize.java.
 */
import { RgbImage } from '../rgb-image.js';
import { f, saturateShort, saturateU8 } from './rounding.js';

const COEF_SCALE = 1 << 11; // INTER_RESIZE_COEF_SCALE

/** Source index and the two fixed-point weights of each destination index along one axis. */
function axisWeights(size, sourceSize, scale, invScale, areaMode, clampToEdge) {
  const offsets = new Int32Array(size);
  const weights = new Int16Array(size * 2);
  let limit = size;
  for (let d = 0; d < size; d++) {
    let s;
    let fraction;
    if (!areaMode) {
      fraction = f((d + 0.5) * scale - 0.5);
      s = Math.floor(fraction);
      fraction = f(fraction - s);
    } else {
      s = Math.floor(d * scale);
      fraction = f((d + 1) - (s + 1) * invScale);
      fraction = fraction <= 0 ? 0 : f(fraction - Math.floor(fraction));
    }
    if (clampToEdge) {
      if (s < 0) {
        fraction = 0;
        s = 0;
      }
      if (s + 1 >= sourceSize) {
        limit = Math.min(limit, d);
        if (s >= sourceSize - 1) {
          fraction = 0;
          s = sourceSize - 1;
        }
      }
    }
    offsets[d] = s;
    weights[d * 2] = saturateShort(f(f(1 - fraction) * COEF_SCALE));
    weights[d * 2 + 1] = saturateShort(f(fraction * COEF_SCALE));
  }
  return { offsets, weights, limit };
}

export function linearResize(src, width, height, scaleX, scaleY, invScaleX, invScaleY, areaMode) {
  const xs = axisWeights(width, src.width, scaleX, invScaleX, areaMode, true);
  const ys = axisWeights(height, src.height, scaleY, invScaleY, areaMode, false);
  const out = RgbImage.black(width, height);
  const dst = out.pixels;
  const row0 = new Int32Array(width * 3);
  const row1 = new Int32Array(width * 3);
  const clip = (y) => (y < 0 ? 0 : Math.min(y, src.height - 1));
  for (let dy = 0; dy < height; dy++) {
    horizontalPass(src, clip(ys.offsets[dy]), xs, row0);
    horizontalPass(src, clip(ys.offsets[dy] + 1), xs, row1);
    const b0 = ys.weights[dy * 2];
    const b1 = ys.weights[dy * 2 + 1];
    const base = dy * width * 3;
    for (let x = 0; x < width * 3; x++) {
      dst[base + x] = saturateU8((((b0 * (row0[x] >> 4)) >> 16) + ((b1 * (row1[x] >> 4)) >> 16) + 2) >> 2);
    }
  }
  return out;
}

/** HResizeLinear::operator() for one source row. */
function horizontalPass(src, sy, xs, row) {
  const pixels = src.pixels;
  const rowStart = sy * src.width * 3;
  const { offsets, weights, limit } = xs;
  for (let dx = 0; dx < offsets.length; dx++) {
    const s = rowStart + offsets[dx] * 3;
    for (let c = 0; c < 3; c++) {
      const value = pixels[s + c];
      row[dx * 3 + c] = dx < limit ? value * weights[dx * 2] + pixels[s + 3 + c] * weights[dx * 2 + 1] : value * COEF_SCALE;
    }
  }
}
