/**
 * The preprocessing a model was trained with, read from an exported file's metadata; mirrors
 * Preprocessing in edgeseg/inference/preprocessing.py and Preprocessing.java: field-of-view crop,
 * pad to a centred square, resize to the model's size, and CLAHE on luminance when the metadata
 * says so. The data set's mean/std normalisation happens inside the exported model.
 */
import { boxFromBounds, fovMaskSmall, workCopy } from './fov.js';
import { RgbImage } from './rgb-image.js';
import { clahe, resizeImage } from './transforms.js';

export class Preprocessing {
  constructor({ size, clahe = false, clipLimit = 2.0, tileGrid = 8, fovCrop = true, padSquare = true }) {
    if (!(Number.isInteger(size) && size > 0)) throw new Error(`preprocessing size must be a positive integer, got ${size}`);
    Object.assign(this, { size, clahe, clipLimit, tileGrid, fovCrop, padSquare });
  }

  /** From the "preprocessing" entry of an exported file's metadata (export/metadata.py: build_metadata). */
  static fromMetadata(metadata) {
    const spec = metadata.preprocessing;
    if (!spec) throw new Error('the model metadata has no "preprocessing" entry; re-export the model with edgeseg export');
    const claheSpec = spec.clahe;
    if (typeof claheSpec !== 'object' || claheSpec === null || !('enabled' in claheSpec)) {
      throw new Error('the model metadata\'s preprocessing.clahe is not an object with "enabled"; re-export the model with edgeseg export');
    }
    return new Preprocessing({
      size: Number(spec.size),
      clahe: Boolean(claheSpec.enabled),
      clipLimit: Number(claheSpec.clip_limit ?? 2.0),
      tileGrid: Number(claheSpec.tile_grid ?? 8),
      fovCrop: spec.fov_crop ?? true,
      padSquare: spec.pad_square ?? true,
    });
  }

  /**
   * Preprocessing.geometry: field-of-view box, padding inside the square, square side; plus the
   * work copy and its region, which the field-of-view mask and the fundus check reuse.
   */
  geometry(image) {
    const { small, scale } = workCopy(image);
    const { mask, bounds } = fovMaskSmall(small);
    const box = this.fovCrop ? boxFromBounds(bounds, scale, image.width, image.height) : { x0: 0, y0: 0, x1: image.width, y1: image.height };
    const boxWidth = box.x1 - box.x0;
    const boxHeight = box.y1 - box.y0;
    const side = this.padSquare ? Math.max(boxWidth, boxHeight) : 0;
    const padTop = this.padSquare ? (side - boxHeight) >> 1 : 0;
    const padLeft = this.padSquare ? (side - boxWidth) >> 1 : 0;
    return { box, padTop, padLeft, side, work: { small, scale, mask } };
  }

  /** The geometry, the resized square before CLAHE (to show people) and the model's square (image_to_square). */
  prepare(image, geometry = this.geometry(image)) {
    const square = this.padSquare ? cropToSquare(image, geometry) : image.crop(geometry.box);
    const displaySquare = resizeImage(square, this.size, this.size);
    const modelSquare = this.clahe ? clahe(displaySquare, this.clipLimit, this.tileGrid) : displaySquare;
    return { geometry, displaySquare, modelSquare };
  }
}

/**
 * Box.crop then pad_to_square in one copy (zero padding, the extra row or column at the bottom or
 * right), so that a 49-megapixel photograph is not copied twice.
 */
export function cropToSquare(image, geometry) {
  const { box, padTop, padLeft, side } = geometry;
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const square = RgbImage.black(side, side);
  for (let y = 0; y < height; y++) {
    const start = ((box.y0 + y) * image.width + box.x0) * 3;
    square.pixels.set(image.pixels.subarray(start, start + width * 3), ((padTop + y) * side + padLeft) * 3);
  }
  return square;
}

/** square_to_input (edgeseg/inference/runners.py): float32 RGB 0-255, batch of one, in the file's layout ('nchw' or 'nhwc'). */
export function squareToInput(square, layout) {
  const pixels = square.width * square.height;
  const rgb = square.pixels;
  const input = new Float32Array(pixels * 3);
  if (layout === 'nhwc') {
    for (let i = 0; i < input.length; i++) input[i] = rgb[i];
  } else {
    for (let i = 0; i < pixels; i++) {
      input[i] = rgb[i * 3];
      input[pixels + i] = rgb[i * 3 + 1];
      input[2 * pixels + i] = rgb[i * 3 + 2];
    }
  }
  return input;
}

/** output_to_maps (edgeseg/inference/runners.py): the (1, ...) output in the file's layout as one Float32Array per lesion channel. */
export function outputToMaps(output, size, channels, layout) {
  const pixels = size * size;
  if (output.length !== pixels * channels) {
    throw new Error(`output has ${output.length} values, expected ${channels} x ${size} x ${size}`);
  }
  const maps = [];
  for (let l = 0; l < channels; l++) {
    if (layout === 'nhwc') {
      const map = new Float32Array(pixels);
      for (let i = 0; i < pixels; i++) map[i] = output[i * channels + l];
      maps.push(map);
    } else {
      maps.push(output.slice(l * pixels, (l + 1) * pixels));
    }
  }
  return maps;
}
