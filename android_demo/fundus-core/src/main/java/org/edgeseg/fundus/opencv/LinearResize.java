package org.edgeseg.fundus.opencv;

import org.edgeseg.fundus.RgbImage;

/**
 * OpenCV's separable fixed-point bilinear resize of 8-bit images ({@code resizeGeneric_} with
 * {@code HResizeLinear<uchar, int, short, 2048>} and {@code VResizeLinear<uchar, ...>} in
 * {@code modules/imgproc/src/resize.cpp}): 11-bit weights, a horizontal pass into 32-bit rows, and a vertical
 * pass whose rounding ({@code ((b0 * (S0 >> 4)) >> 16) + ((b1 * (S1 >> 4)) >> 16) + 2) >> 2})
 * is the same in OpenCV's SIMD and scalar code. Also the bilinear emulation of
 * {@code INTER_AREA} that OpenCV uses when a side is enlarged ({@code area_mode}).
 */
final class LinearResize {
    private static final int CHANNELS = 3;
    private static final int COEF_SCALE = 1 << 11; // INTER_RESIZE_COEF_SCALE

    private LinearResize() {
    }

    static RgbImage resize(RgbImage src, int width, int height, double scaleX, double scaleY,
                           double invScaleX, double invScaleY, boolean areaMode) {
        int srcWidth = src.width();
        int[] xofs = new int[width];
        short[] alpha = new short[width * 2];
        int xmax = width;
        for (int dx = 0; dx < width; dx++) {
            int sx;
            float fx;
            if (!areaMode) {
                fx = (float) ((dx + 0.5) * scaleX - 0.5);
                sx = CvRounding.floor(fx);
                fx -= sx;
            } else {
                sx = CvRounding.floor(dx * scaleX);
                fx = (float) ((dx + 1) - (sx + 1) * invScaleX);
                fx = fx <= 0 ? 0.f : fx - CvRounding.floor(fx);
            }
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx + 1 >= srcWidth) {
                xmax = Math.min(xmax, dx);
                if (sx >= srcWidth - 1) {
                    fx = 0;
                    sx = srcWidth - 1;
                }
            }
            xofs[dx] = sx;
            alpha[dx * 2] = CvRounding.saturateShort((1.f - fx) * COEF_SCALE);
            alpha[dx * 2 + 1] = CvRounding.saturateShort(fx * COEF_SCALE);
        }

        int[] yofs = new int[height];
        short[] beta = new short[height * 2];
        for (int dy = 0; dy < height; dy++) {
            int sy;
            float fy;
            if (!areaMode) {
                fy = (float) ((dy + 0.5) * scaleY - 0.5);
                sy = CvRounding.floor(fy);
                fy -= sy;
            } else {
                sy = CvRounding.floor(dy * scaleY);
                fy = (float) ((dy + 1) - (sy + 1) * invScaleY);
                fy = fy <= 0 ? 0.f : fy - CvRounding.floor(fy);
            }
            yofs[dy] = sy;
            beta[dy * 2] = CvRounding.saturateShort((1.f - fy) * COEF_SCALE);
            beta[dy * 2 + 1] = CvRounding.saturateShort(fy * COEF_SCALE);
        }

        RgbImage out = RgbImage.black(width, height);
        byte[] dst = out.pixels();
        int[] row0 = new int[width * CHANNELS];
        int[] row1 = new int[width * CHANNELS];
        for (int dy = 0; dy < height; dy++) {
            horizontalPass(src, clip(yofs[dy], src.height()), xofs, alpha, xmax, row0);
            horizontalPass(src, clip(yofs[dy] + 1, src.height()), xofs, alpha, xmax, row1);
            int b0 = beta[dy * 2];
            int b1 = beta[dy * 2 + 1];
            int base = dy * width * CHANNELS;
            for (int x = 0; x < width * CHANNELS; x++) {
                int value = (((b0 * (row0[x] >> 4)) >> 16) + ((b1 * (row1[x] >> 4)) >> 16) + 2) >> 2;
                dst[base + x] = (byte) CvRounding.saturateU8(value);
            }
        }
        return out;
    }

    /** {@code clip(y, 0, rows)} of {@code resizeGeneric_Invoker}: the nearest valid row. */
    private static int clip(int y, int rows) {
        return y < 0 ? 0 : Math.min(y, rows - 1);
    }

    /** {@code HResizeLinear::operator()} for one source row. */
    private static void horizontalPass(RgbImage src, int sy, int[] xofs, short[] alpha, int xmax, int[] row) {
        byte[] pixels = src.pixels();
        int rowStart = sy * src.width() * CHANNELS;
        for (int dx = 0; dx < xofs.length; dx++) {
            int s = rowStart + xofs[dx] * CHANNELS;
            for (int c = 0; c < CHANNELS; c++) {
                int value = pixels[s + c] & 0xFF;
                row[dx * CHANNELS + c] = dx < xmax
                        ? value * alpha[dx * 2] + (pixels[s + CHANNELS + c] & 0xFF) * alpha[dx * 2 + 1]
                        : value * COEF_SCALE;
            }
        }
    }
}
