package org.edgeseg.fundus.opencv;

import org.edgeseg.fundus.RgbImage;

/**
 * OpenCV's {@code INTER_AREA} shrink by integer factors ({@code resizeAreaFast_} with
 * {@code ResizeAreaFastVec} in {@code modules/imgproc/src/resize.cpp}): the integer sum of each
 * source block, divided by its area. 2x2 blocks round halves up ({@code (sum + 2) >> 2}, OpenCV's
 * fast path); every other factor multiplies by {@code 1.f / area} in float and rounds half to even.
 */
final class AreaFastResize {
    private static final int CHANNELS = 3;

    private AreaFastResize() {
    }

    static RgbImage resize(RgbImage src, int width, int height, int scaleX, int scaleY) {
        RgbImage out = RgbImage.black(width, height);
        byte[] dst = out.pixels();
        float inverseArea = 1.f / (scaleX * scaleY);
        boolean halfUp = scaleX == 2 && scaleY == 2;
        int rowLength = width * CHANNELS;
        for (int dy = 0; dy < height; dy++) {
            int[] sums = blockSums(src, width, dy, scaleX, scaleY);
            for (int dx = 0; dx < rowLength; dx++) {
                int value = halfUp ? (sums[dx] + 2) >> 2 : CvRounding.saturateU8(sums[dx] * inverseArea);
                dst[dy * rowLength + dx] = (byte) value;
            }
        }
        return out;
    }

    /** Per channel of output row {@code dy}, the sum of its {@code scaleX x scaleY} source block. */
    private static int[] blockSums(RgbImage src, int width, int dy, int scaleX, int scaleY) {
        int[] sums = new int[width * CHANNELS];
        byte[] pixels = src.pixels();
        for (int sy = dy * scaleY; sy < (dy + 1) * scaleY; sy++) {
            int rowStart = sy * src.width() * CHANNELS;
            for (int dx = 0; dx < width; dx++) {
                for (int k = 0; k < scaleX; k++) {
                    int s = rowStart + (dx * scaleX + k) * CHANNELS;
                    for (int c = 0; c < CHANNELS; c++) {
                        sums[dx * CHANNELS + c] += pixels[s + c] & 0xFF;
                    }
                }
            }
        }
        return sums;
    }
}
