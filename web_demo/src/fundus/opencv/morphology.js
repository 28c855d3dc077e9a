/**
 * cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5))) on a binary mask: erosion then dilation
 * with a 5x5 square. OpenCV's default border value for morphology never wins a minimum or a
 * maximum, so pixels outside the image are left out of each window. Port of Morphology.java.
 */
const RADIUS = 2;

/** The opening of `mask` (Uint8Array of 0/1, width * height, row-major). */
export function open5x5(mask, width, height) {
  return dilate(erode(mask, width, height), width, height);
}

function erode(mask, width, height) {
  return invert(dilate(invert(mask), width, height));
}

/** A 5x5 square dilation, separable: along rows, then along columns. */
function dilate(mask, width, height) {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let any = 0;
      for (let k = Math.max(0, x - RADIUS); k <= Math.min(width - 1, x + RADIUS) && !any; k++) any = mask[y * width + k];
      rows[y * width + x] = any;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let any = 0;
      for (let k = Math.max(0, y - RADIUS); k <= Math.min(height - 1, y + RADIUS) && !any; k++) any = rows[k * width + x];
      out[y * width + x] = any;
    }
  }
  return out;
}

function invert(mask) {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? 0 : 1;
  return out;
}
