/**
 * The field of view, the bright retinal disc inside a fundus photograph's black border; mirrors
 * edgeseg/inference/fov.py (field_of_view_box, field_of_view_mask, fundus_problem) and
 * FieldOfView.java. The detector works on a copy area-resized to at most 512 px a side: the 5x5
 * median of the brightest channel, thresholded at max(12, 0.12 * 95th percentile), opened with a
 * 5x5 square; its largest 8-connected region is the field of view.
 */
import { labelComponents, largestLabel } from './opencv/connected-components.js';
import { medianBlur5x5 } from './opencv/median-blur.js';
import { open5x5 } from './opencv/morphology.js';
import { resize } from './opencv/resize.js';
import { percentile } from './percentile.js';

const WORK_SIDE = 512;
/** edgeseg/inference/fov.py's BLANK_SPAN and MIN_RETINA. */
const BLANK_SPAN = 8;
const MIN_RETINA = 64;
/** The default margin of field_of_view_box. */
export const MARGIN = 0.005;

/** _work_copy: the image area-resized to at most WORK_SIDE a side, and the scale. */
export function workCopy(image) {
  const scale = Math.min(1, WORK_SIDE / Math.max(image.width, image.height));
  if (scale >= 1) return { small: image, scale };
  const width = Math.max(1, pythonRound(image.width * scale));
  const height = Math.max(1, pythonRound(image.height * scale));
  return { small: resize(image, width, height, 'area'), scale };
}

/** Python's round(): halves to even. */
function pythonRound(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * _fov_mask_small: the largest bright region of the work copy.
 * @returns {{mask: Uint8Array, bounds: number[]|null}} mask (0/1) and inclusive [x0, y0, x1, y1]
 */
export function fovMaskSmall(small) {
  const { width, height, pixels } = small;
  const brightest = new Uint8Array(width * height);
  for (let i = 0; i < brightest.length; i++) {
    brightest[i] = Math.max(pixels[i * 3], pixels[i * 3 + 1], pixels[i * 3 + 2]);
  }
  const brightness = medianBlur5x5(brightest, width, height);
  const threshold = Math.max(12, 0.12 * percentile(brightness, 95));
  const bright = new Uint8Array(brightness.length);
  for (let i = 0; i < bright.length; i++) bright[i] = brightness[i] > threshold ? 1 : 0;
  const components = labelComponents(open5x5(bright, width, height), width, height);
  const largest = largestLabel(components.areas);
  const mask = new Uint8Array(bright.length);
  if (largest === 0) return { mask, bounds: null };
  for (let i = 0; i < mask.length; i++) mask[i] = components.labels[i] === largest ? 1 : 0;
  return { mask, bounds: components.bounds[largest] };
}

/**
 * field_of_view_box(image, margin): the bounding box {x0, y0, x1, y1} (end exclusive) of the
 * field of view, grown by `margin` of the image size on each side; the whole image when none is found.
 */
export function fieldOfViewBox(image, margin = MARGIN) {
  const { width, height } = image;
  const { small, scale } = workCopy(image);
  const { bounds } = fovMaskSmall(small);
  return boxFromBounds(bounds, scale, width, height, margin);
}

/** The box of field_of_view_box from the work copy's inclusive region bounds. */
export function boxFromBounds(bounds, scale, width, height, margin = MARGIN) {
  if (bounds === null) return { x0: 0, y0: 0, x1: width, y1: height };
  const padX = margin * width;
  const padY = margin * height;
  return {
    x0: Math.max(0, Math.floor(bounds[0] / scale - padX)),
    y0: Math.max(0, Math.floor(bounds[1] / scale - padY)),
    x1: Math.min(width, Math.ceil((bounds[2] + 1) / scale + padX)),
    y1: Math.min(height, Math.ceil((bounds[3] + 1) / scale + padY)),
  };
}

/**
 * field_of_view_mask: the work copy's region brought to the photograph's size with
 * cv2.INTER_NEAREST (source index floor(x * (1 / (dst / src))), clamped), as a lookup function
 * `(x, y) => 0|1`, plus the number of field-of-view pixels, without allocating a full-size mask.
 */
export function fieldOfViewLookup(image, small, smallMask, scale) {
  const { width, height } = image;
  if (scale >= 1) {
    let pixels = 0;
    for (let i = 0; i < smallMask.length; i++) pixels += smallMask[i];
    return { inside: (x, y) => smallMask[y * width + x], pixels };
  }
  const columnIndex = nearestIndex(width, small.width);
  const rowIndex = nearestIndex(height, small.height);
  // Count per small row the photograph columns that fall on mask pixels, then sum over photograph rows.
  const rowCounts = new Float64Array(small.height);
  const columnWeights = new Int32Array(small.width);
  for (let x = 0; x < width; x++) columnWeights[columnIndex[x]]++;
  for (let sy = 0; sy < small.height; sy++) {
    let count = 0;
    for (let sx = 0; sx < small.width; sx++) if (smallMask[sy * small.width + sx]) count += columnWeights[sx];
    rowCounts[sy] = count;
  }
  let pixels = 0;
  for (let y = 0; y < height; y++) pixels += rowCounts[rowIndex[y]];
  const inside = (x, y) => smallMask[rowIndex[y] * small.width + columnIndex[x]];
  return { inside, pixels };
}

/** resizeNN's offsets: destination index d reads source index min(floor(d * (1 / (dst / src))), src - 1). */
function nearestIndex(destinationSize, sourceSize) {
  const inverse = 1 / (destinationSize / sourceSize);
  const index = new Int32Array(destinationSize);
  for (let d = 0; d < destinationSize; d++) index[d] = Math.min(Math.floor(d * inverse), sourceSize - 1);
  return index;
}

/**
 * fundus_problem: why `image` does not look like a colour fundus photograph, or null if it does.
 * The messages are edgeseg's, word for word.
 */
export function fundusProblem(small, smallMask) {
  const { pixels } = small;
  let lowest = 255;
  let highest = 0;
  for (let i = 0; i < pixels.length; i++) {
    lowest = Math.min(lowest, pixels[i]);
    highest = Math.max(highest, pixels[i]);
  }
  if (highest - lowest <= BLANK_SPAN) return 'blank frame (one colour everywhere); was the lens covered or the flash off?';
  let grey = true;
  for (let i = 0; i < pixels.length && grey; i += 3) {
    if (Math.abs(pixels[i] - pixels[i + 1]) > 2 || Math.abs(pixels[i + 1] - pixels[i + 2]) > 2) grey = false;
  }
  if (grey) return 'grayscale image; edgeseg needs a colour (RGB) fundus photograph';
  let count = 0;
  const sums = [0, 0, 0];
  for (let i = 0; i < smallMask.length; i++) {
    if (!smallMask[i]) continue;
    count++;
    sums[0] += pixels[i * 3];
    sums[1] += pixels[i * 3 + 1];
    sums[2] += pixels[i * 3 + 2];
  }
  if (count / smallMask.length < 0.15) {
    return 'no field of view found (the image is almost entirely dark); is it a fundus photograph?';
  }

  const [red, green, blue] = sums.map((sum) => sum / count);
  if (!(red > 1.1 * green && red > 1.3 * blue)) {
    return `does not look like a fundus photograph (mean RGB in the bright region ${formatRound(red)}/${formatRound(green)}/${formatRound(blue)}; a retina is red-dominant)`;
  }
  return null;
}

/**
 * FieldOfView.too_small: why a photograph to analyse is too small (its retina under MIN_RETINA px
 * across, measured on the photograph of `imageWidth` x `imageHeight` whose work copy is `small`
 * at `scale`), or null.
 */
export function retinaTooSmall(smallMask, small, scale, imageWidth, imageHeight) {
  const bounds = maskBounds(smallMask, small.width);
  if (bounds === null) return null;
  const box = boxFromBounds(bounds, scale, imageWidth, imageHeight, 0);
  const across = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  if (across >= MIN_RETINA) return null;
  return `too small: the retina is ${across} px across, less than the ${MIN_RETINA} px edgeseg needs to see lesions; use the camera's full-resolution photograph`;
}

/** The inclusive [x0, y0, x1, y1] of a 0/1 mask's set pixels, null when none is set. */
function maskBounds(mask, width) {
  let bounds = null;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % width;
    const y = Math.floor(i / width);
    if (bounds === null) bounds = [x, y, x, y];
    else bounds = [Math.min(bounds[0], x), Math.min(bounds[1], y), Math.max(bounds[2], x), Math.max(bounds[3], y)];
  }
  return bounds;
}

/** Python's f"{value:.0f}": round half to even. */
function formatRound(value) {
  return String(pythonRound(value));
}
