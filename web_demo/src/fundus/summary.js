/**
 * From the model's probability maps to what `edgeseg predict` reports: thresholded masks, areas
 * and 8-connected component counts, at the model's resolution (lesion_summary in
 * edgeseg/export/golden.py, LesionSummary.java) and mapped back onto the photograph's pixels
 * (Preprocessing.to_image in edgeseg/inference/preprocessing.py, summarise in edgeseg/predict/summary.py).
 */
import { countComponents, countComponentsByRuns } from './opencv/connected-components.js';
import { f } from './opencv/rounding.js';

/**
 * lesion_summary(maps, lesions, thresholds) at the model's resolution. A pixel is in the mask when
 * its probability is at least the threshold; numpy compares a float32 map with a Python float in
 * float32, so the threshold is rounded to float32 first.
 */
export function lesionSummary(maps, lesions, thresholds, size) {
  if (maps.length !== lesions.length) throw new Error(`${lesions.length} lesions for ${maps.length} output channels`);
  const summary = {};
  lesions.forEach((lesion, index) => {
    const threshold = thresholds[lesion];
    if (threshold === undefined) throw new Error(`no threshold for ${lesion}`);
    const cut = f(threshold);
    const map = maps[index];
    const mask = new Uint8Array(map.length);
    let area = 0;
    for (let i = 0; i < map.length; i++) {
      mask[i] = map[i] >= cut ? 1 : 0;
      area += mask[i];
    }
    summary[lesion] = { threshold, area_pixels: area, components: countComponents(mask, size, size), mask };
  });
  return summary;
}

/**
 * Source rows or columns and weights of cv2.resize(..., INTER_LINEAR) on a float32 map, as the
 * OpenCV that edgeseg installs on x86-64 computes it: opencv-python hands float bilinear resizes
 * to Intel IPP, which places each destination pixel at (d + 0.5) * src / dst - 0.5 in double,
 * keeps the fraction t as float32 and interpolates p0 + (p1 - p0) * t with one rounding (a fused
 * multiply-add), first along rows, then along columns. Checked equal to cv2.resize value for
 * value (tests/web/test_node_port.py). OpenCV without IPP (cv2.ipp.setUseIPP(False), ARM builds)
 * rounds the weights 1 - t and t separately and differs by at most 2e-7.
 */
function linearAxis(destinationSize, sourceSize) {
  const scale = sourceSize / destinationSize;
  const first = new Int32Array(destinationSize);
  const second = new Int32Array(destinationSize);
  const fraction = new Float32Array(destinationSize);
  const clip = (i) => (i < 0 ? 0 : Math.min(i, sourceSize - 1));
  for (let d = 0; d < destinationSize; d++) {
    const coordinate = (d + 0.5) * scale - 0.5;
    const s = Math.floor(coordinate);
    first[d] = clip(s);
    second[d] = clip(s + 1);
    fraction[d] = coordinate - s;
  }
  return { first, second, fraction };
}

/** p0 + (p1 - p0) * t in float32 with one rounding of the product's sum (exact in double, then rounded). */
function lerp(p0, p1, t) {
  return f(f(p1 - p0) * t + p0);
}

/**
 * Where the square's maps land in the photograph: Preprocessing.to_image resizes each (size, size) map
 * bilinearly to (side, side) and keeps rows pad_top.. and columns pad_left.. of the box (or, without
 * padding, resizes to the box's size). Returns a function giving row `y` (0..box height) of the
 * restored map of one channel, as cv2.resize computes it.
 */
export function mapBackRows(map, size, geometry) {
  const { box, padTop, padLeft, side } = geometry;
  const boxWidth = box.x1 - box.x0;
  const boxHeight = box.y1 - box.y0;
  const columnOffset = side ? padLeft : 0;
  const rowOffset = side ? padTop : 0;
  const xs = linearAxis(side || boxWidth, size);
  const ys = linearAxis(side || boxHeight, size);
  // The pass along rows, for every source row and the box's columns only.
  const horizontal = new Float32Array(size * boxWidth);
  for (let sy = 0; sy < size; sy++) {
    const source = sy * size;
    const target = sy * boxWidth;
    for (let x = 0; x < boxWidth; x++) {
      const dx = x + columnOffset;
      horizontal[target + x] = lerp(map[source + xs.first[dx]], map[source + xs.second[dx]], xs.fraction[dx]);
    }
  }
  const row = new Float32Array(boxWidth);
  return (y) => {
    const dy = y + rowOffset;
    const r0 = ys.first[dy] * boxWidth;
    const r1 = ys.second[dy] * boxWidth;
    const t = ys.fraction[dy];
    for (let x = 0; x < boxWidth; x++) row[x] = lerp(horizontal[r0 + x], horizontal[r1 + x], t);
    return row;
  };
}

/** A binary mask of the box's pixels, packed 8 pixels a byte (bit 7 - x % 8, row-major). */
export class PackedMask {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.bytes = new Uint8Array(Math.ceil((width * height) / 8));
  }

  get(index) {
    return (this.bytes[index >> 3] >> (7 - (index & 7))) & 1;
  }

  set(index) {
    this.bytes[index >> 3] |= 1 << (7 - (index & 7));
  }
}

/**
 * summarise() of edgeseg/predict/summary.py: per lesion, the threshold, the area in photograph pixels and
 * as a share of the field of view, the 8-connected components and the highest probability, with
 * each lesion's mask over the field-of-view box (outside the box every probability is 0).
 */
export function photographSummary(maps, size, geometry, metadata, fieldOfViewPixels) {
  const { box } = geometry;
  const boxWidth = box.x1 - box.x0;
  const boxHeight = box.y1 - box.y0;
  const outsideBox = box.x0 > 0 || box.y0 > 0 || box.x1 < geometry.imageWidth || box.y1 < geometry.imageHeight;
  const lesions = {};
  const masks = {};
  metadata.lesions.forEach((lesion, index) => {
    const threshold = Number(metadata.thresholds?.[lesion] ?? 0.5);
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`threshold ${threshold} of ${lesion} is not in (0, 1]`);
    const cut = f(threshold);
    const rows = mapBackRows(maps[index], size, geometry);
    const mask = new PackedMask(boxWidth, boxHeight);
    let area = 0;
    let highest = outsideBox ? 0 : -Infinity;
    for (let y = 0; y < boxHeight; y++) {
      const row = rows(y);
      for (let x = 0; x < boxWidth; x++) {
        const p = row[x];
        if (p > highest) highest = p;
        if (p >= cut) {
          mask.set(y * boxWidth + x);
          area++;
        }
      }
    }
    masks[lesion] = mask;
    lesions[lesion] = {
      name: metadata.lesion_names?.[lesion] ?? lesion,
      threshold,
      area_pixels: area,
      area_share_of_fov: fieldOfViewPixels ? area / fieldOfViewPixels : null,
      components: area ? countComponentsByRuns((i) => mask.get(i), boxWidth, boxHeight) : 0,
      max_probability: highest,
    };
  });
  return { summary: { field_of_view_pixels: fieldOfViewPixels, lesions }, masks };
}
