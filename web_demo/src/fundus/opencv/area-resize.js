/**
 * OpenCV's general INTER_AREA shrink of 8-bit images (resizeArea_<uchar, float> with
 * computeResizeAreaTab in modules/imgproc/src/resize.cpp): each output pixel is the float-weighted
 * mean of the source pixels its cell covers, accumulated row by row in OpenCV's order, then
 * rounded half to even. Port of AreaResize.java; every float operation is rounded with `f`.
 */
import { RgbImage } from '../rgb-image.js';
import { f, saturateU8Float } from './rounding.js';

/** computeResizeAreaTab: (destination index, source index, weight) terms of one axis. */
function table(sourceSize, destinationSize, channels, scale) {
  const di = [];
  const si = [];
  const alpha = [];
  for (let dx = 0; dx < destinationSize; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = Math.min(scale, sourceSize - fsx1);
    let sx1 = Math.ceil(fsx1);
    let sx2 = Math.floor(fsx2);
    sx2 = Math.min(sx2, sourceSize - 1);
    sx1 = Math.min(sx1, sx2);
    if (sx1 - fsx1 > 1e-3) {
      di.push(dx * channels); si.push((sx1 - 1) * channels); alpha.push(f((sx1 - fsx1) / cellWidth));
    }
    for (let sx = sx1; sx < sx2; sx++) {
      di.push(dx * channels); si.push(sx * channels); alpha.push(f(1.0 / cellWidth));
    }
    if (fsx2 - sx2 > 1e-3) {
      di.push(dx * channels); si.push(sx2 * channels); alpha.push(f(Math.min(Math.min(fsx2 - sx2, 1), cellWidth) / cellWidth));
    }
  }
  return { di: Int32Array.from(di), si: Int32Array.from(si), alpha: Float32Array.from(alpha), size: di.length };
}

export function areaResize(src, width, height, scaleX, scaleY) {
  const xtab = table(src.width, width, 3, scaleX);
  const ytab = table(src.height, height, 1, scaleY);
  const rowLength = width * 3;
  const buf = new Float32Array(rowLength);
  const sum = new Float32Array(rowLength);
  const out = RgbImage.black(width, height);
  const dst = out.pixels;
  const pixels = src.pixels;
  const store = (dy) => {
    const base = dy * rowLength;
    for (let dx = 0; dx < rowLength; dx++) dst[base + dx] = saturateU8Float(sum[dx]);
  };
  let previousDy = ytab.di[0];
  for (let j = 0; j < ytab.size; j++) {
    const beta = ytab.alpha[j];
    const dy = ytab.di[j];
    // fill_row_buf_xtab; a Float32Array store rounds each sum to float32.
    buf.fill(0);
    const rowStart = ytab.si[j] * src.width * 3;
    for (let k = 0; k < xtab.size; k++) {
      const s = rowStart + xtab.si[k];
      const d = xtab.di[k];
      const a = xtab.alpha[k];
      buf[d] = buf[d] + f(pixels[s] * a);
      buf[d + 1] = buf[d + 1] + f(pixels[s + 1] * a);
      buf[d + 2] = buf[d + 2] + f(pixels[s + 2] * a);
    }
    if (dy !== previousDy) {
      store(previousDy);
      for (let dx = 0; dx < rowLength; dx++) sum[dx] = beta * buf[dx];
      previousDy = dy;
    } else {
      for (let dx = 0; dx < rowLength; dx++) sum[dx] = sum[dx] + f(beta * buf[dx]);
    }
  }
  store(previousDy);
  return out;
}
