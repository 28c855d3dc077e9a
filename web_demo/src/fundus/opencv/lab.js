/**
 * OpenCV's bit-exact 8-bit CIE Lab conversions, cv2.COLOR_RGB2LAB (RGB2Lab_b) and
 * cv2.COLOR_LAB2RGB (Lab2RGBinteger), from modules/imgproc/src/color_lab.cpp: sRGB gamma, cube
 * root and inverse tables built once from OpenCV's constants, then integer arithmetic only. The
 * result image holds L, a, b in the R, G, B slots, as OpenCV's 3-channel Lab array does.
 * Port of LabConversion.java.
 */
import { RgbImage } from '../rgb-image.js';
import { cvRound, descale, f, saturateU8 } from './rounding.js';

const LAB_SHIFT = 12;
const GAMMA_SHIFT = 3;
const LAB_SHIFT2 = LAB_SHIFT + GAMMA_SHIFT;
const INV_GAMMA_SHIFT = 12;
const INV_GAMMA_TAB_SIZE = 1 << INV_GAMMA_SHIFT;
const LUT_BASE = 1 << 14;
const MIN_AB_VALUE = -8145;
const LAB2RGB_SHIFT = LAB_SHIFT + (14 - INV_GAMMA_SHIFT); // Lab2RGBinteger::shift

/** sRGB to XYZ (D65), OpenCV's sRGB2XYZ_D65; XYZ to sRGB, XYZ2sRGB_D65; the D65 white point. */
const RGB_TO_XYZ = [0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227];
const XYZ_TO_RGB = [3.240479, -1.53715, -0.498535, -0.969256, 1.875991, 0.041556, 0.055648, -0.204043, 1.057311];
const D65 = [0.950456, 1.0, 1.088754];

/** The coefficients A1-A9 of OpenCV's f32_cbrt (softfloat.cpp), bit for bit. */
const CBRT = [
  '4046a09e6653ba70', '406808f46c6116e0', '405dca97439cae14', '402add70d2827500', '3fc4f15f83f55d2d',
  '402d9e20660edb21', '4062ff15c0285815', '406510d06a8112ce', '4040fecbc9e2c375',
].map(doubleFromHex);

const LAB_THRESHOLD = f(216 / 24389);
const LAB_SCALE = f(841 / 108);
const LAB_BIAS = f(16 / 116);

const GAMMA = new Int32Array(256);
const CUBE_ROOT = new Int32Array(((256 * 3) / 2) * (1 << GAMMA_SHIFT));
const INVERSE_GAMMA = new Int32Array(INV_GAMMA_TAB_SIZE);
const L_TO_Y = new Int32Array(256);
const L_TO_FY = new Int32Array(256);
const AB_TO_XZ = new Int32Array((LUT_BASE * 9) / 4);
const RGB2LAB = new Int32Array(9);
const LAB2RGB = new Int32Array(9);
const scratch = new DataView(new ArrayBuffer(8));

buildTables();


function doubleFromHex(hex) {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, parseInt(hex.slice(0, 8), 16));
  view.setUint32(4, parseInt(hex.slice(8), 16));
  return view.getFloat64(0);
}

/** cv2.cvtColor(image, cv2.COLOR_RGB2LAB) for an 8-bit image. */
export function rgbToLab(rgb) {
  const lab = RgbImage.black(rgb.width, rgb.height);
  const src = rgb.pixels;
  const dst = lab.pixels;
  const lScale = Math.trunc((116 * 255 + 50) / 100);
  const lShift = -Math.trunc((16 * 255 * (1 << LAB_SHIFT2) + 50) / 100);
  const offset = 128 * (1 << LAB_SHIFT2);
  for (let i = 0; i < src.length; i += 3) {
    const r = GAMMA[src[i]];
    const g = GAMMA[src[i + 1]];
    const b = GAMMA[src[i + 2]];
    const fX = CUBE_ROOT[descale(r * RGB2LAB[0] + g * RGB2LAB[1] + b * RGB2LAB[2], LAB_SHIFT)];
    const fY = CUBE_ROOT[descale(r * RGB2LAB[3] + g * RGB2LAB[4] + b * RGB2LAB[5], LAB_SHIFT)];
    const fZ = CUBE_ROOT[descale(r * RGB2LAB[6] + g * RGB2LAB[7] + b * RGB2LAB[8], LAB_SHIFT)];
    dst[i] = saturateU8(descale(lScale * fY + lShift, LAB_SHIFT2));
    dst[i + 1] = saturateU8(descale(500 * (fX - fY) + offset, LAB_SHIFT2));
    dst[i + 2] = saturateU8(descale(200 * (fY - fZ) + offset, LAB_SHIFT2));
  }
  return lab;
}

/** cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) for an 8-bit image. */
export function labToRgb(lab) {
  const rgb = RgbImage.black(lab.width, lab.height);
  const src = lab.pixels;
  const dst = rgb.pixels;
  const aOffset = Math.trunc((128 * LUT_BASE) / 500);
  const bOffset = Math.trunc((128 * LUT_BASE) / 200);
  for (let i = 0; i < src.length; i += 3) {
    const l = src[i];
    const a = src[i + 1];
    const b = src[i + 2];
    const y = L_TO_Y[l];
    const ify = L_TO_FY[l];
    const adiv = ((5 * a * 53687 + (1 << 7)) >> 13) - aOffset;
    const bdiv = ((b * 41943 + (1 << 4)) >> 9) - bOffset + 1;
    const x = AB_TO_XZ[ify + adiv - MIN_AB_VALUE];
    const z = AB_TO_XZ[ify - bdiv - MIN_AB_VALUE];
    for (let c = 0; c < 3; c++) {
      const linear = descale(LAB2RGB[c * 3] * x + LAB2RGB[c * 3 + 1] * y + LAB2RGB[c * 3 + 2] * z, LAB2RGB_SHIFT);
      dst[i + c] = INVERSE_GAMMA[Math.max(0, Math.min(INV_GAMMA_TAB_SIZE - 1, linear))];
    }
  }
  return rgb;
}

/** createLabTabs (8-bit tables) and the coefficient set-up of both converters. */
function buildTables() {
  const f255 = f(255);
  for (let i = 0; i < 256; i++) {
    GAMMA[i] = cvRound(f(f(255 * (1 << GAMMA_SHIFT)) * applyGamma(f(i / f255))));
  }
  const inverseStep = f(1 / INV_GAMMA_TAB_SIZE);
  for (let i = 0; i < INV_GAMMA_TAB_SIZE; i++) {
    INVERSE_GAMMA[i] = cvRound(f(f255 * applyInverseGamma(f(inverseStep * i))));
  }
  const cubeRootStep = f(1 / f(f255 * (1 << GAMMA_SHIFT)));
  for (let i = 0; i < CUBE_ROOT.length; i++) {
    const x = f(cubeRootStep * i);
    // softfloat's mulAdd is fused; below the threshold the double sum is exact, so one rounding.
    const value = x < LAB_THRESHOLD ? f(x * LAB_SCALE + LAB_BIAS) : cubeRoot(x);
    CUBE_ROOT[i] = cvRound(f((1 << LAB_SHIFT2) * value));
  }
  for (let i = 0; i < 256; i++) {
    if (i <= 20) {
      L_TO_Y[i] = cvRound(f(f(i * LUT_BASE * 20 * 9) / f(17 * 29 * 29 * 29)));
      L_TO_FY[i] = cvRound(f(f(LUT_BASE) * f(f(16 / 116) + f(f(i * 5) / f(3 * 17 * 29)))));
    } else {
      const fy = f(f(f(i * 100 * LUT_BASE) / f(255 * 116)) + f(f(16 * LUT_BASE) / f(116)));
      L_TO_FY[i] = cvRound(fy);
      L_TO_Y[i] = cvRound(f(f(f(fy * fy) * fy) / f(LUT_BASE * LUT_BASE)));
    }
  }
  const linearOffset = Math.trunc((Math.trunc((LUT_BASE * 16) / 116) * 108) / 841);
  for (let i = MIN_AB_VALUE; i < (LUT_BASE * 9) / 4 + MIN_AB_VALUE; i++) {
    AB_TO_XZ[i - MIN_AB_VALUE] = i <= 3390
      ? Math.trunc((i * 108) / 841) - linearOffset
      : Math.trunc((Math.trunc((i * i) / LUT_BASE) * i) / LUT_BASE);
  }
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) {
      RGB2LAB[row * 3 + column] = cvRound(((1 << LAB_SHIFT) * RGB_TO_XYZ[row * 3 + column]) / D65[row]);
      LAB2RGB[row * 3 + column] = cvRound((1 << LAB_SHIFT) * XYZ_TO_RGB[row * 3 + column] * D65[column]);
    }
  }
}


/**
 * OpenCV's f32_cbrt (modules/core/src/softfloat.cpp, Ken Turkowski's quartic rational
 * approximation in double): the mantissa is truncated, not rounded, to float, so it can differ
 * from a correctly rounded cube root by one unit in the last place.
 */
function cubeRoot(x) {
  scratch.setFloat32(0, x);
  const bits = scratch.getInt32(0);
  let exponent = ((bits >>> 23) & 0xff) - 127;
  let shift = exponent % 3;
  shift -= shift >= 0 ? 3 : 0;
  exponent = Math.trunc((exponent - shift) / 3) - 1;
  const mantissaBits = bits & 0x7fffff;
  scratch.setUint32(0, (((shift + 1023) << 20) | (mantissaBits >>> 3)) >>> 0);
  scratch.setUint32(4, ((mantissaBits & 0x7) << 29) >>> 0);
  let fr = scratch.getFloat64(0);
  fr = ((((CBRT[0] * fr + CBRT[1]) * fr + CBRT[2]) * fr + CBRT[3]) * fr + CBRT[4])
    / ((((CBRT[5] * fr + CBRT[6]) * fr + CBRT[7]) * fr + CBRT[8]) * fr + 1.0);
  scratch.setFloat64(0, fr);
  const mantissa = ((scratch.getUint32(0) & 0xfffff) << 3) | (scratch.getUint32(4) >>> 29);
  scratch.setInt32(0, ((exponent + 127) << 23) + mantissa);
  return scratch.getFloat32(0);
}

/** sRGB decoding (applyGamma) in double, returned as float. */
function applyGamma(x) {
  return f(x <= 809.0 / 20000.0 ? x / (323.0 / 25.0) : Math.pow((x + 11.0 / 200.0) / (1.0 + 11.0 / 200.0), 12.0 / 5.0));
}

/** sRGB encoding (applyInvGamma). */
function applyInverseGamma(x) {
  return f(x <= 7827.0 / 2500000.0 ? x * (323.0 / 25.0) : Math.pow(x, 1.0 / (12.0 / 5.0)) * (1.0 + 11.0 / 200.0) - 11.0 / 200.0);
}
