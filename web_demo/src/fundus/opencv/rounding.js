/**
 * OpenCV's rounding and saturation helpers (cvRound, cvFloor, saturate_cast) and float32
 * arithmetic. OpenCV rounds halves to even, as the x86 and ARM round-to-nearest instructions do.
 *
 * JavaScript numbers are doubles; `f` (Math.fround) rounds a result to float32. For one +, -, *
 * or / of two float32 values, computing in double and rounding once to float32 gives exactly the
 * float32 result (double has more than 2 * 24 + 2 bits), so `f(a * b)` is C's `float a * b`.
 */

export const f = Math.fround;

/** cvRound: the nearest integer, halves to even. */
export function cvRound(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** saturate_cast<uchar>(int). */
export function saturateU8(value) {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** saturate_cast<uchar>(float): cvRound, then clamp to 0-255. */
export function saturateU8Float(value) {
  return saturateU8(cvRound(value));
}

/** saturate_cast<short>(float). */
export function saturateShort(value) {
  return Math.max(-32768, Math.min(32767, cvRound(value)));
}

/** CV_DESCALE(x, n): divide by 2^n, rounding halves up (32-bit integer arithmetic, as in C). */
export function descale(value, shift) {
  return (value + (1 << (shift - 1))) >> shift;
}
