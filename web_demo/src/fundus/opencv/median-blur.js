/**
 * cv2.medianBlur(plane, 5) on an 8-bit plane: the median of the 5x5 neighbourhood, the image edge
 * replicated (BORDER_REPLICATE, as OpenCV's medianBlur does). Port of MedianBlur.java, with a
 * 256-bin running histogram per row instead of a sort (same result, linear time).
 */
const RADIUS = 2;
const MIDDLE = 12; // index of the median among 25 values

/** @param {Uint8Array} plane @returns {Uint8Array} */
export function medianBlur5x5(plane, width, height) {
  const out = new Uint8Array(plane.length);
  const histogram = new Int32Array(256);
  const column = (x) => Math.min(Math.max(x, 0), width - 1);
  for (let y = 0; y < height; y++) {
    histogram.fill(0);
    const rows = [];
    for (let dy = -RADIUS; dy <= RADIUS; dy++) rows.push(Math.min(Math.max(y + dy, 0), height - 1) * width);
    for (let dx = -RADIUS; dx <= RADIUS; dx++) {
      for (const row of rows) histogram[plane[row + column(dx)]]++;
    }
    for (let x = 0; x < width; x++) {
      let seen = 0;
      let value = 0;
      while ((seen += histogram[value]) <= MIDDLE) value++;
      out[y * width + x] = value;
      const leaving = column(x - RADIUS);
      const entering = column(x + RADIUS + 1);
      for (const row of rows) {
        histogram[plane[row + leaving]]--;
        histogram[plane[row + entering]]++;
      }
    }
  }
  return out;
}
