package org.edgeseg.fundus.opencv;

import org.edgeseg.fundus.RgbImage;

/**
 * OpenCV's bit-exact 8-bit CIE Lab conversions, {@code cv2.COLOR_RGB2LAB} ({@code RGB2Lab_b})
 * and {@code cv2.COLOR_LAB2RGB} ({@code Lab2RGBinteger}), from
 * {@code modules/imgproc/src/color_lab.cpp}: sRGB gamma, cube root and inverse tables built once
 * from OpenCV's constants, then integer arithmetic only. The result image holds L, a, b in the
 * R, G, B slots, as OpenCV's 3-channel Lab array does.
 */
public final class LabConversion {
    private static final int LAB_SHIFT = 12;
    private static final int GAMMA_SHIFT = 3;
    private static final int LAB_SHIFT2 = LAB_SHIFT + GAMMA_SHIFT;
    private static final int INV_GAMMA_SHIFT = 12;
    private static final int INV_GAMMA_TAB_SIZE = 1 << INV_GAMMA_SHIFT;
    private static final int LUT_BASE = 1 << 14;
    private static final int MIN_AB_VALUE = -8145;
    /** {@code Lab2RGBinteger::shift}. */
    private static final int LAB2RGB_SHIFT = LAB_SHIFT + (14 - INV_GAMMA_SHIFT);

    /** sRGB to XYZ (D65), the doubles of OpenCV's {@code sRGB2XYZ_D65} table. */
    private static final double[] RGB_TO_XYZ = {
        0.412453, 0.357580, 0.180423,
        0.212671, 0.715160, 0.072169,
        0.019334, 0.119193, 0.950227,
    };
    /** XYZ to sRGB (D65), OpenCV's {@code XYZ2sRGB_D65}. */
    private static final double[] XYZ_TO_RGB = {
        3.240479, -1.53715, -0.498535,
        -0.969256, 1.875991, 0.041556,
        0.055648, -0.204043, 1.057311,
    };
    private static final double[] D65 = {0.950456, 1.0, 1.088754};

    /** The coefficients A1-A9 of {@code f32_cbrt}, bit for bit. */
    private static final double[] CBRT = {
        Double.longBitsToDouble(0x4046a09e6653ba70L), Double.longBitsToDouble(0x406808f46c6116e0L),
        Double.longBitsToDouble(0x405dca97439cae14L), Double.longBitsToDouble(0x402add70d2827500L),
        Double.longBitsToDouble(0x3fc4f15f83f55d2dL), Double.longBitsToDouble(0x402d9e20660edb21L),
        Double.longBitsToDouble(0x4062ff15c0285815L), Double.longBitsToDouble(0x406510d06a8112ceL),
        Double.longBitsToDouble(0x4040fecbc9e2c375L),
    };

    private static final float LAB_THRESHOLD = 216f / 24389f;
    private static final float LAB_SCALE = 841f / 108f;
    private static final float LAB_BIAS = 16f / 116f;

    private static final int[] GAMMA = new int[256];
    private static final int[] CUBE_ROOT = new int[256 * 3 / 2 * (1 << GAMMA_SHIFT)];
    private static final int[] INVERSE_GAMMA = new int[INV_GAMMA_TAB_SIZE];
    private static final int[] L_TO_Y = new int[256];
    private static final int[] L_TO_FY = new int[256];
    private static final int[] AB_TO_XZ = new int[LUT_BASE * 9 / 4];
    private static final int[] RGB2LAB = new int[9];
    private static final int[] LAB2RGB = new int[9];

    static {
        buildTables();
    }

    private LabConversion() {
    }

    /** {@code cv2.cvtColor(image, cv2.COLOR_RGB2LAB)} for an 8-bit image. */
    public static RgbImage rgbToLab(RgbImage rgb) {
        RgbImage lab = RgbImage.black(rgb.width(), rgb.height());
        byte[] src = rgb.pixels();
        byte[] dst = lab.pixels();
        int lScale = (116 * 255 + 50) / 100;
        int lShift = -((16 * 255 * (1 << LAB_SHIFT2) + 50) / 100);
        for (int i = 0; i < src.length; i += 3) {
            int r = GAMMA[src[i] & 0xFF];
            int g = GAMMA[src[i + 1] & 0xFF];
            int b = GAMMA[src[i + 2] & 0xFF];
            int fX = CUBE_ROOT[CvRounding.descale(r * RGB2LAB[0] + g * RGB2LAB[1] + b * RGB2LAB[2], LAB_SHIFT)];
            int fY = CUBE_ROOT[CvRounding.descale(r * RGB2LAB[3] + g * RGB2LAB[4] + b * RGB2LAB[5], LAB_SHIFT)];
            int fZ = CUBE_ROOT[CvRounding.descale(r * RGB2LAB[6] + g * RGB2LAB[7] + b * RGB2LAB[8], LAB_SHIFT)];
            dst[i] = (byte) CvRounding.saturateU8(CvRounding.descale(lScale * fY + lShift, LAB_SHIFT2));
            dst[i + 1] = (byte) CvRounding.saturateU8(CvRounding.descale(500 * (fX - fY) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
            dst[i + 2] = (byte) CvRounding.saturateU8(CvRounding.descale(200 * (fY - fZ) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
        }
        return lab;
    }

    /** {@code cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)} for an 8-bit image. */
    public static RgbImage labToRgb(RgbImage lab) {
        RgbImage rgb = RgbImage.black(lab.width(), lab.height());
        byte[] src = lab.pixels();
        byte[] dst = rgb.pixels();
        for (int i = 0; i < src.length; i += 3) {
            int l = src[i] & 0xFF;
            int a = src[i + 1] & 0xFF;
            int b = src[i + 2] & 0xFF;
            int y = L_TO_Y[l];
            int ify = L_TO_FY[l];
            int adiv = ((5 * a * 53687 + (1 << 7)) >> 13) - 128 * LUT_BASE / 500;
            int bdiv = ((b * 41943 + (1 << 4)) >> 9) - 128 * LUT_BASE / 200 + 1;
            int x = AB_TO_XZ[ify + adiv - MIN_AB_VALUE];
            int z = AB_TO_XZ[ify - bdiv - MIN_AB_VALUE];
            for (int c = 0; c < 3; c++) {
                int linear = CvRounding.descale(LAB2RGB[c * 3] * x + LAB2RGB[c * 3 + 1] * y + LAB2RGB[c * 3 + 2] * z, LAB2RGB_SHIFT);
                dst[i + c] = (byte) INVERSE_GAMMA[Math.max(0, Math.min(INV_GAMMA_TAB_SIZE - 1, linear))];
            }
        }
        return rgb;
    }

    /** {@code createLabTabs} (8-bit tables) and the coefficient set-up of both converters. */
    private static void buildTables() {
        float f255 = 255f;
        for (int i = 0; i < 256; i++) {
            GAMMA[i] = CvRounding.round(255f * (1 << GAMMA_SHIFT) * applyGamma(i / f255));
        }
        for (int i = 0; i < INV_GAMMA_TAB_SIZE; i++) {
            INVERSE_GAMMA[i] = CvRounding.round(f255 * applyInverseGamma((1f / INV_GAMMA_TAB_SIZE) * i));
        }
        float cubeRootStep = 1f / (f255 * (1 << GAMMA_SHIFT));
        for (int i = 0; i < CUBE_ROOT.length; i++) {
            float x = cubeRootStep * i;
            // softfloat mulAdd is fused; below the threshold the double sum is exact, so one rounding.
            float f = x < LAB_THRESHOLD ? (float) ((double) x * LAB_SCALE + LAB_BIAS) : cubeRoot(x);
            CUBE_ROOT[i] = CvRounding.round((float) (1 << LAB_SHIFT2) * f);
        }
        for (int i = 0; i < 256; i++) {
            if (i <= 20) {
                L_TO_Y[i] = CvRounding.round((float) (i * LUT_BASE * 20 * 9) / (float) (17 * 29 * 29 * 29));
                L_TO_FY[i] = CvRounding.round((float) LUT_BASE * (16f / 116f + (float) (i * 5) / (float) (3 * 17 * 29)));
            } else {
                float fy = (float) (i * 100 * LUT_BASE) / (float) (255 * 116) + (float) (16 * LUT_BASE) / 116f;
                L_TO_FY[i] = CvRounding.round(fy);
                L_TO_Y[i] = CvRounding.round(fy * fy * fy / (float) (LUT_BASE * LUT_BASE));
            }
        }
        for (int i = MIN_AB_VALUE; i < LUT_BASE * 9 / 4 + MIN_AB_VALUE; i++) {
            AB_TO_XZ[i - MIN_AB_VALUE] = i <= 3390
                    ? i * 108 / 841 - LUT_BASE * 16 / 116 * 108 / 841
                    : i * i / LUT_BASE * i / LUT_BASE;
        }
        for (int row = 0; row < 3; row++) {
            for (int column = 0; column < 3; column++) {
                RGB2LAB[row * 3 + column] = CvRounding.round((1 << LAB_SHIFT) * RGB_TO_XYZ[row * 3 + column] / D65[row]);
                LAB2RGB[row * 3 + column] = CvRounding.round((1 << LAB_SHIFT) * XYZ_TO_RGB[row * 3 + column] * D65[column]);
            }
        }
    }

    /**
     * OpenCV's {@code f32_cbrt} ({@code modules/core/src/softfloat.cpp}, Ken Turkowski's quartic
     * rational approximation in double): the mantissa is truncated, not rounded, to float, so it
     * can differ from a correctly rounded cube root by one unit in the last place.
     */
    private static float cubeRoot(float x) {
        int bits = Float.floatToRawIntBits(x);
        int exponent = ((bits >>> 23) & 0xFF) - 127;
        int shift = exponent % 3;
        shift -= shift >= 0 ? 3 : 0;
        exponent = (exponent - shift) / 3 - 1;
        double fr = Double.longBitsToDouble((long) (shift + 1023) << 52 | (long) (bits & 0x7FFFFF) << 29);
        fr = ((((CBRT[0] * fr + CBRT[1]) * fr + CBRT[2]) * fr + CBRT[3]) * fr + CBRT[4])
                / ((((CBRT[5] * fr + CBRT[6]) * fr + CBRT[7]) * fr + CBRT[8]) * fr + 1.0);
        int mantissa = (int) ((Double.doubleToRawLongBits(fr) & 0xFFFFFFFFFFFFFL) >>> 29);
        return Float.intBitsToFloat(((exponent + 127) << 23) + mantissa);
    }

    /**
     * sRGB decoding ({@code applyGamma}), in double as OpenCV's softdouble, returned as float.
     * {@link Math#pow} stands in for OpenCV's own softdouble {@code pow}: no entry of the 8-bit
     * tables lies within their difference of a rounding boundary, so the tables are the same
     * (checked on all 16,777,216 colours against opencv-python).
     */
    private static float applyGamma(float x) {
        double xd = x;
        return (float) (xd <= 809.0 / 20000.0 ? xd / (323.0 / 25.0) : Math.pow((xd + 11.0 / 200.0) / (1.0 + 11.0 / 200.0), 12.0 / 5.0));
    }

    /** sRGB encoding ({@code applyInvGamma}). */
    private static float applyInverseGamma(float x) {
        double xd = x;
        return (float) (xd <= 7827.0 / 2500000.0
                ? xd * (323.0 / 25.0)
                : Math.pow(xd, 1.0 / (12.0 / 5.0)) * (1.0 + 11.0 / 200.0) - 11.0 / 200.0);
    }
}
