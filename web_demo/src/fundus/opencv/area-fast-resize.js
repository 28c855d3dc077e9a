/**
 * OpenCV's INTER_AREA shrink by integer factors (resizeAreaFast_ with ResizeAreaFastVec in
 * modules/imgproc/src/resize.cpp): the integer sum of each source block divided by its area.
 * 2x2 blocks round halves up ((sum + 2) >> 2, OpenCV's fast path); every other factor
 * multiplies by 1.f / area in float and rounds half to even. Port of AreaFastResize.java.
 */
import { RgbImage } from '../rgb-image.js';
import { f, saturateU8Float } from './rounding.js';

export function areaFastResize(src, width, height, scaleX, scaleY) {
  const out = RgbImage.black(width, height);
  const dst = out.pixels;
  const pixels = src.pixels;
  const inverseArea = f(1 / (scaleX * scaleY));
  const halfUp = scaleX === 2 && scaleY === 2;
  const rowLength = width * 3;
  const sums = new Int32Array(rowLength);
  const sourceRow = src.width * 3;
  for (let dy = 0; dy < height; dy++) {
    sums.fill(0);
    for (let sy = dy * scaleY; sy < (dy + 1) * scaleY; sy++) {
      const rowStart = sy * sourceRow;
      for (let dx = 0; dx < width; dx++) {
        for (let k = 0; k < scaleX; k++) {
          const s = rowStart + (dx * scaleX + k) * 3;
          sums[dx * 3] += pixels[s];
          sums[dx * 3 + 1] += pixels[s + 1];
          sums[dx * 3 + 2] += pixels[s + 2];
        }
      }
    }
    const base = dy * rowLength;
    for (let i = 0; i < rowLength; i++) {
      dst[base + i] = halfUp ? (sums[i] + 2) >> 2 : saturateU8Float(f(sums[i] * inverseArea));
    }
  }
  return out;
}
