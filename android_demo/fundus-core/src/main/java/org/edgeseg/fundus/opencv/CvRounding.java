package org.edgeseg.fundus.opencv;

/**
 * OpenCV's rounding and saturation helpers ({@code cvRound}, {@code cvFloor},
 * {@code saturate_cast<uchar>}); OpenCV rounds halves to even, as the x86 and ARM
 * round-to-nearest instructions do, and so does {@link Math#rint}.
 */
final class CvRounding {
    private CvRounding() {
    }

    /** {@code cvRound}: nearest integer, halves to even. */
    static int round(double value) {
        return (int) Math.rint(value);
    }

    /** {@code cvFloor}. */
    static int floor(double value) {
        return (int) Math.floor(value);
    }

    /** {@code saturate_cast<uchar>(int)}. */
    static int saturateU8(int value) {
        return value < 0 ? 0 : Math.min(value, 255);
    }

    /** {@code saturate_cast<uchar>(float)}: {@code cvRound}, then clamp to 0-255. */
    static int saturateU8(float value) {
        return saturateU8(round(value));
    }

    /** {@code saturate_cast<short>(float)}. */
    static short saturateShort(float value) {
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, round(value)));
    }

    /** {@code CV_DESCALE(x, n)}: divide by {@code 2^n}, rounding halves up. */
    static int descale(int value, int shift) {
        return (value + (1 << (shift - 1))) >> shift;
    }
}
