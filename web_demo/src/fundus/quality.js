/**
 * Image quality of a fundus photograph, and the gate that says "retake" before any verdict;
 * mirrors edgeseg/data/quality.py (measure_quality, MEASURES, QualityGate) and
 * QualityMeasures.java / QualityGate.java. The measures are computed on the field of view's work
 * copy (fov.js: workCopy and fovMaskSmall, at most 512 px a side) plus, for blockiness, every
 * 8th row of the full-resolution photograph:
 *
 * - sharpness: std(G - blur1(G)) / std(G - blur8(G)) over the field of view eroded by an ellipse
 *   of radius round(0.04 * its enclosing circle's diameter) (G: the green channel; blurS:
 *   cv2.GaussianBlur of sigma S on float32);
 * - contrast: std(G - blur8(G)) over the same pixels;
 * - brightness: the mean BT.601 luminance of the field of view;
 * - clipped: the share of the field of view whose green is at least 250;
 * - coverage: the field of view's area over that of its smallest enclosing circle (at most 1);
 * - blockiness: the mean absolute green step across 8x8 block boundaries (columns 8k-1 to 8k)
 *   over the mean step elsewhere, inside the field of view.
 *
 * Agreement with Python (spec/quality-golden.test.js, the goldens of make_golden.py):
 * - clipped and blockiness are ratios of integer counts and sums, exact in float64 in both
 *   languages: equal to the last bit;
 * - sharpness, contrast, brightness and coverage agree to a relative 1e-5 (RELATIVE_TOLERANCE).
 *   Python blurs, subtracts and takes standard deviations in float32 (OpenCV's float32 kernel and
 *   row/column buffers, numpy's float32 pairwise sums and float32 luminance), and OpenCV's
 *   enclosing circle is computed in float32 (with a 1e-4 px margin, which this port adds too);
 *   this port works in float64 with OpenCV's float32 kernel weights. Those differences are of the
 *   order of float32's 6e-8 per operation: at most 2e-7 relative on the goldens (the test prints
 *   the worst), a margin of 50. A port error moves the measures far more: a wrong sigma, kernel
 *   size or ellipse by 1e-2 and more; BORDER_REFLECT instead of BORDER_REFLECT_101 by 3e-4 on the
 *   frame-cut golden (a field of view that touches the image's edges), which a tolerance of 1e-3
 *   would miss. The golden bounds are kept 1 % from every inexact measure, so the reasons are
 *   equal exactly.
 */
import { fovMaskSmall, workCopy } from './fov.js';

export const FINE_SIGMA = 1.0;
export const COARSE_SIGMA = 8.0;
/** The erosion's radius, as a share of the field of view's diameter. */
export const EROSION = 0.04;
export const CLIP_LEVEL = 250;
export const BLOCK = 8;
export const ROW_STEP = 8;
/** Each measure, the way it fails ("min": too low is bad) and the word a user reads: Python's MEASURES, in its order. */
export const MEASURES = Object.freeze({
  sharpness: Object.freeze(['min', 'blurred']),
  contrast: Object.freeze(['min', 'low contrast (hazy or dark)']),
  brightness: Object.freeze(['min', 'too dark']),
  clipped: Object.freeze(['max', 'over-exposed']),
  coverage: Object.freeze(['min', 'retina cut by the frame']),
  blockiness: Object.freeze(['max', 'compressed too much (JPEG blocks)']),
});
/** The relative tolerance of the inexact measures against Python (see above). */
export const RELATIVE_TOLERANCE = 1e-5;
/** The measures computed exactly as numpy computes them. */
export const EXACT_MEASURES = Object.freeze(['clipped', 'blockiness']);

/** OpenCV's minEnclosingCircle adds this margin (its EPS) to the radius it returns. */
const CIRCLE_EPS = 1e-4;
/** Python's np.array([0.299, 0.587, 0.114], np.float32). */
const LUMA = [Math.fround(0.299), Math.fround(0.587), Math.fround(0.114)];

/** measure_quality(image): the measures of an RgbImage, its field of view found here. */
export function measureQualityOf(image) {
  const { small, scale } = workCopy(image);
  return measureQuality(image, small, fovMaskSmall(small).mask, scale);
}

/**
 * measure_quality(image, field_of_view): `small`, `smallMask` and `scale` are fov.js's work copy,
 * its mask (Uint8Array of 0/1) and scale, as Preprocessing.geometry(image).work holds them.
 * @returns {{sharpness: number, contrast: number, brightness: number, clipped: number, coverage: number, blockiness: number}}
 */
export function measureQuality(image, small, smallMask, scale) {
  return measureQualityDetails(image, small, smallMask, scale).measures;
}

/**
 * The measures and the intermediate quantities the goldens also hold (work copy size, field of
 * view pixels, enclosing radius, erosion radius, pixels left after the erosion).
 */
export function measureQualityDetails(image, small, smallMask, scale) {
  const { width, height, pixels } = small;
  const maskPixels = count(smallMask);
  const details = { work_width: width, work_height: height, scale, mask_pixels: maskPixels };
  if (maskPixels === 0) {
    return { measures: { sharpness: 0, contrast: 0, brightness: 0, clipped: 0, coverage: 0, blockiness: 1 }, details };
  }
  const { radius } = minEnclosingCircle(smallMask, width, height);
  const diameter = 2 * radius;
  const coverage = maskPixels / (Math.PI * Math.max(radius, 0.5) ** 2);
  const erosionRadius = Math.max(1, pythonRound(EROSION * diameter));
  let inner = erodeEllipse(smallMask, width, height, erosionRadius);
  const innerPixels = count(inner);
  if (innerPixels === 0) inner = smallMask;

  const green = new Float64Array(width * height);
  for (let i = 0; i < green.length; i++) green[i] = pixels[i * 3 + 1];
  const fineBlur = gaussianBlur(green, width, height, FINE_SIGMA);
  const coarseBlur = gaussianBlur(green, width, height, COARSE_SIGMA);
  const fine = new Float64Array(green.length);
  const coarse = new Float64Array(green.length);
  for (let i = 0; i < green.length; i++) {
    fine[i] = green[i] - fineBlur[i];
    coarse[i] = green[i] - coarseBlur[i];
  }
  const contrast = maskedStd(coarse, inner);
  const sharpness = contrast > 0 ? maskedStd(fine, inner) / contrast : 0;

  let luminance = 0;
  let clippedPixels = 0;
  for (let i = 0; i < smallMask.length; i++) {
    if (!smallMask[i]) continue;
    luminance += pixels[i * 3] * LUMA[0] + pixels[i * 3 + 1] * LUMA[1] + pixels[i * 3 + 2] * LUMA[2];
    if (pixels[i * 3 + 1] >= CLIP_LEVEL) clippedPixels++;
  }
  const measures = {
    sharpness,
    contrast,
    brightness: luminance / maskPixels,
    clipped: clippedPixels / maskPixels,
    coverage: Math.min(coverage, 1),
    blockiness: blockiness(image, small, smallMask, scale),
  };
  return { measures, details: { ...details, enclosing_radius: radius, erosion_radius: erosionRadius, inner_pixels: innerPixels } };
}

/**
 * _blockiness: every ROW_STEP-th row of the full-resolution photograph, the absolute green steps
 * from column j to j + 1, inside the field of view (the work copy's mask at
 * (int(row * scale), int(j * scale)), clamped), split into block boundaries (j % 8 == 7) and the rest.
 */
function blockiness(image, small, smallMask, scale) {
  const { width, height, pixels } = image;
  const columns = new Int32Array(Math.max(0, width - 1));
  for (let j = 0; j < columns.length; j++) columns[j] = Math.min(Math.trunc(j * scale), small.width - 1);
  let across = 0;
  let acrossCount = 0;
  let within = 0;
  let withinCount = 0;
  for (let y = 0; y < height; y += ROW_STEP) {
    const maskRow = Math.min(Math.trunc(y * scale), small.height - 1) * small.width;
    const row = y * width * 3;
    for (let j = 0; j < columns.length; j++) {
      if (!smallMask[maskRow + columns[j]]) continue;
      const step = Math.abs(pixels[row + (j + 1) * 3 + 1] - pixels[row + j * 3 + 1]);
      if (j % BLOCK === BLOCK - 1) {
        across += step;
        acrossCount++;
      } else {
        within += step;
        withinCount++;
      }
    }
  }
  if (acrossCount === 0 || withinCount === 0) return 1;
  return across / acrossCount / Math.max(within / withinCount, 1e-6);
}

/**
 * The gate's bounds from an exported file's metadata (its "quality_gate", as QualityGate.from_dict
 * reads it), or null when it carries none. Throws on a bound Python would reject.
 * @returns {Object<string, {min?: number, max?: number}>|null}
 */
export function qualityGate(metadata) {
  const data = metadata?.quality_gate;
  if (!data || Object.keys(data).length === 0) return null;
  const bounds = {};
  for (const [name, bound] of Object.entries(data)) {
    const kinds = bound && typeof bound === 'object' ? Object.keys(bound) : [];
    if (!(name in MEASURES) || kinds.length !== 1 || kinds[0] !== MEASURES[name][0] || typeof bound[kinds[0]] !== 'number') {
      throw new Error(`quality_gate: '${name}' ${JSON.stringify(bound)}: expected one of ${JSON.stringify(Object.keys(MEASURES).sort())} `
        + 'with its max/min bound');
    }
    bounds[name] = { [kinds[0]]: bound[kinds[0]] };
  }
  return bounds;
}

/**
 * QualityGate.reasons: why the photograph cannot be graded (empty: it can), the words of
 * MEASURES in its order. A value equal to its bound passes.
 */
export function qualityReasons(measures, gateBounds) {
  const found = [];
  for (const [name, [kind, word]] of Object.entries(MEASURES)) {
    const bound = gateBounds?.[name]?.[kind];
    if (bound === undefined || bound === null) continue;
    const value = measures[name];
    if ((kind === 'min' && value < bound) || (kind === 'max' && value > bound)) found.push(word);
  }
  return found;
}

/** The line the page shows instead of results, as `edgeseg predict` prints it. */
export function retakeMessage(reasons) {
  return `retake: ${reasons.join(', ')} (ungradable: no verdict)`;
}

/**
 * QualityMeasures.as_dict: each measure rounded to 5 decimals, for summaries people read (an
 * exact decimal half may round the other way than Python's round(x, 5)).
 */
export function roundedMeasures(measures) {
  return Object.fromEntries(Object.keys(MEASURES).map((name) => [name, Math.round(measures[name] * 1e5) / 1e5]));
}

// ---- OpenCV and numpy operations ----

/**
 * cv2.getGaussianKernel(n, sigma, CV_32F) with cv2.GaussianBlur's size for float images,
 * n = cvRound(sigma * 4 * 2 + 1) | 1: exp(-x^2 / (2 sigma^2)) at x = i - (n - 1) / 2 in float64,
 * times 1 / their sum, rounded to float32 (equal to OpenCV's kernel to the bit for sigma 1 and 8).
 */
export function gaussianKernel(sigma) {
  const size = cvRound(sigma * 4 * 2 + 1) | 1;
  const kernel = new Float64Array(size);
  const scale2 = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - (size - 1) * 0.5;
    kernel[i] = Math.exp(scale2 * x * x);
    sum += kernel[i];
  }
  sum = 1 / sum;
  for (let i = 0; i < size; i++) kernel[i] = Math.fround(kernel[i] * sum);
  return kernel;
}

/** cv2.borderInterpolate(p, length, BORDER_REFLECT_101): ...cb|abcd|cb... */
export function reflect101(p, length) {
  if (length === 1) return 0;
  while (p < 0 || p >= length) p = p < 0 ? -p : 2 * length - p - 2;
  return p;
}

/**
 * cv2.GaussianBlur(plane, (0, 0), sigma) on a float plane (width * height, row-major), default
 * border BORDER_REFLECT_101: the separable kernel along rows, then along columns, in float64.
 */
export function gaussianBlur(plane, width, height, sigma) {
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) >> 1;
  const along = (length) => Int32Array.from({ length: length + 2 * radius }, (_, p) => reflect101(p - radius, length));
  const xs = along(width);
  const ys = along(height);
  const rows = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const start = y * width;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) sum += kernel[k] * plane[start + xs[x + k]];
      rows[start + x] = sum;
    }
  }
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) sum += kernel[k] * rows[ys[y + k] * width + x];
      out[y * width + x] = sum;
    }
  }
  return out;
}

/**
 * cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2r + 1, 2r + 1)) as one [from, to] column offset
 * span per row offset -r..r: row i holds dx = cvRound(c * sqrt((r^2 - dy^2) / r^2)) either side of the centre.
 */
export function ellipseSpans(radius) {
  const r = radius;
  const c = radius;
  const size = 2 * radius + 1;
  const inverse = r ? 1 / (r * r) : 0;
  const spans = [];
  for (let i = 0; i < size; i++) {
    const dy = i - r;
    const dx = cvRound(c * Math.sqrt((r * r - dy * dy) * inverse));
    const j1 = Math.max(c - dx, 0);
    const j2 = Math.min(c + dx + 1, size);
    spans.push([j1 - c, j2 - 1 - c]);
  }
  return spans;
}

/**
 * cv2.erode(mask, that ellipse) with OpenCV's default border: pixels outside the image count as
 * set (morphologyDefaultBorderValue), so the image edge does not erode. Per row of the ellipse,
 * a run of zeros is looked up in that row's prefix counts.
 */
export function erodeEllipse(mask, width, height, radius) {
  const zeros = new Int32Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) zeros[y * (width + 1) + x + 1] = zeros[y * (width + 1) + x] + (mask[y * width + x] ? 0 : 1);
  }
  const spans = ellipseSpans(radius);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      let inside = 1;
      for (let i = 0; i < spans.length && inside; i++) {
        const yy = y + i - radius;
        if (yy < 0 || yy >= height) continue;
        const from = Math.max(0, x + spans[i][0]);
        const to = Math.min(width - 1, x + spans[i][1]);
        if (from <= to && zeros[yy * (width + 1) + to + 1] - zeros[yy * (width + 1) + from] > 0) inside = 0;
      }
      out[y * width + x] = inside;
    }
  }
  return out;
}

/**
 * cv2.minEnclosingCircle(cv2.findNonZero(mask)): the smallest circle around the mask's pixel
 * centres (unique, so any exact algorithm finds OpenCV's), with OpenCV's 1e-4 margin, rounded to
 * float32 as OpenCV returns it. Only each row's first and last pixel can touch the circle; on
 * those, Welzl's algorithm, iterative, in a fixed pseudo-random order.
 * @returns {{x: number, y: number, radius: number}} radius 0 for an empty mask
 */
export function minEnclosingCircle(mask, width, height) {
  const points = [];
  for (let y = 0; y < height; y++) {
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      if (first < 0) first = x;
      last = x;
    }
    if (first < 0) continue;
    points.push([first, y]);
    if (last !== first) points.push([last, y]);
  }
  if (points.length === 0) return { x: 0, y: 0, radius: 0 };
  let seed = 20261206;
  for (let i = points.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [points[i], points[j]] = [points[j], points[i]];
  }
  let circle = { x: points[0][0], y: points[0][1], radius: 0 };
  for (let i = 1; i < points.length; i++) {
    if (encloses(circle, points[i])) continue;
    circle = { x: points[i][0], y: points[i][1], radius: 0 };
    for (let j = 0; j < i; j++) {
      if (encloses(circle, points[j])) continue;
      circle = circleOf2(points[i], points[j]);
      for (let k = 0; k < j; k++) {
        if (!encloses(circle, points[k])) circle = circleOf3(points[i], points[j], points[k]);
      }
    }
  }
  return { x: circle.x, y: circle.y, radius: Math.fround(circle.radius + CIRCLE_EPS) };
}

function encloses(circle, [x, y]) {
  return Math.hypot(x - circle.x, y - circle.y) <= circle.radius + 1e-9;
}

function circleOf2([ax, ay], [bx, by]) {
  return { x: (ax + bx) / 2, y: (ay + by) / 2, radius: Math.hypot(ax - bx, ay - by) / 2 };
}

/** The circle through three points; for collinear ones, the one on the farthest pair. */
function circleOf3(a, b, c) {
  const bx = b[0] - a[0];
  const by = b[1] - a[1];
  const cx = c[0] - a[0];
  const cy = c[1] - a[1];
  const d = 2 * (bx * cy - by * cx);
  if (d === 0) {
    const pairs = [circleOf2(a, b), circleOf2(a, c), circleOf2(b, c)];
    return pairs.reduce((best, circle) => (circle.radius > best.radius ? circle : best));
  }
  const b2 = bx * bx + by * by;
  const c2 = cx * cx + cy * cy;
  const ux = (cy * b2 - by * c2) / d;
  const uy = (bx * c2 - cx * b2) / d;
  return { x: a[0] + ux, y: a[1] + uy, radius: Math.hypot(ux, uy) };
}

/** numpy's x[mask].std() (population, ddof 0), two-pass, in float64. */
function maskedStd(values, mask) {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (!mask[i]) continue;
    sum += values[i];
    n++;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    if (!mask[i]) continue;
    const d = values[i] - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / n);
}

function count(mask) {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}

/** cvRound: nearest integer, halves to even. */
function cvRound(value) {
  return pythonRound(value);
}

/** Python's round(): nearest integer, halves to even. */
function pythonRound(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}
