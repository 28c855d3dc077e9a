/**
 * cv2.resize of an 8-bit RGB image with INTER_AREA or INTER_LINEAR: the dispatch of OpenCV 5.0's
 * cv::hal::resize (modules/imgproc/src/resize.cpp), which picks one of several bit-exact kernels
 * from the scale factors. Ported from android_demo's opencv/Resize.java.
 */
import { RgbImage } from '../rgb-image.js';
import { areaFastResize } from './area-fast-resize.js';
import { areaResize } from './area-resize.js';
import { cvRound } from './rounding.js';
import { linearResize } from './linear-resize.js';

const DBL_EPSILON = 2 ** -52;

/**
 * cv2.resize(src, (width, height), interpolation) for 'area' or 'linear'.
 * @param {RgbImage} src
 * @param {number} width
 * @param {number} height
 * @param {'area'|'linear'} interpolation
 * @returns {RgbImage}
 */
export function resize(src, width, height, interpolation) {
  if (width === src.width && height === src.height) return src.copy();
  const invScaleX = width / src.width;
  const invScaleY = height / src.height;
  const scaleX = 1 / invScaleX;
  const scaleY = 1 / invScaleY;
  const integerScaleX = cvRound(scaleX);
  const integerScaleY = cvRound(scaleY);
  const integerScales = Math.abs(scaleX - integerScaleX) < DBL_EPSILON && Math.abs(scaleY - integerScaleY) < DBL_EPSILON;
  // A 2x shrink: area equals linear, and OpenCV takes the area path.
  const area = interpolation === 'area' || (integerScales && integerScaleX === 2 && integerScaleY === 2);
  if (area && scaleX >= 1 && scaleY >= 1) {
    if (integerScales) return areaFastResize(src, width, height, integerScaleX, integerScaleY);
    return areaResize(src, width, height, scaleX, scaleY);
  }
  return linearResize(src, width, height, scaleX, scaleY, invScaleX, invScaleY, area);
}

/** resize_image of edgeseg/inference/image_ops.py: INTER_AREA when either side shrinks, INTER_LINEAR otherwise. */
export function resizeImage(image, width, height) {
  const shrinking = width < image.width || height < image.height;
  return resize(image, width, height, shrinking ? 'area' : 'linear');
}
