/**
 * The image steps of edgeseg/inference/image_ops.py that the preprocessing uses; port of
 * ImageTransforms.java (pad_to_square is fused with the crop: preprocessing.js cropToSquare).
 */
import { clahe as claheL } from './opencv/clahe.js';
import { labToRgb, rgbToLab } from './opencv/lab.js';

export { resizeImage } from './opencv/resize.js';

/** clahe: OpenCV's 8-bit RGB to CIE Lab, createCLAHE(clipLimit, (tiles, tiles)) on L, and back to RGB. */
export function clahe(image, clipLimit = 2.0, tiles = 8) {
  const lab = rgbToLab(image);
  const lightness = new Uint8Array(image.width * image.height);
  for (let i = 0; i < lightness.length; i++) lightness[i] = lab.pixels[i * 3];
  const equalised = claheL(lightness, image.width, image.height, clipLimit, tiles);
  for (let i = 0; i < equalised.length; i++) lab.pixels[i * 3] = equalised[i];
  return labToRgb(lab);
}
