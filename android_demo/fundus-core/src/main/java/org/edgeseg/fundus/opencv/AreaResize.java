package org.edgeseg.fundus.opencv;

import org.edgeseg.fundus.RgbImage;

/**
 * OpenCV's general {@code INTER_AREA} shrink of 8-bit images ({@code resizeArea_<uchar, float>}
 * with {@code computeResizeAreaTab} in {@code modules/imgproc/src/resize.cpp}): each output pixel is the
 * float-weighted mean of the source pixels its cell covers, accumulated row by row in the
 * order OpenCV uses, then rounded half to even.
 */
final class AreaResize {
    private static final int CHANNELS = 3;

    private AreaResize() {
    }

    /** The weights of one axis: destination index, source index and weight of each term. */
    private static final class Table {
        final int[] di;
        final int[] si;
        final float[] alpha;
        int size;

        Table(int capacity) {
            di = new int[capacity];
            si = new int[capacity];
            alpha = new float[capacity];
        }

        void add(int destination, int source, float weight) {
            di[size] = destination;
            si[size] = source;
            alpha[size++] = weight;
        }
    }

    static RgbImage resize(RgbImage src, int width, int height, double scaleX, double scaleY) {
        Table xtab = table(src.width(), width, CHANNELS, scaleX);
        Table ytab = table(src.height(), height, 1, scaleY);
        int rowLength = width * CHANNELS;
        float[] buf = new float[rowLength];
        float[] sum = new float[rowLength];
        RgbImage out = RgbImage.black(width, height);
        int previousDy = ytab.di[0];
        for (int j = 0; j < ytab.size; j++) {
            float beta = ytab.alpha[j];
            int dy = ytab.di[j];
            fillRow(buf, src, ytab.si[j], xtab);
            if (dy != previousDy) {
                store(sum, out, previousDy);
                for (int dx = 0; dx < rowLength; dx++) {
                    sum[dx] = beta * buf[dx];
                }
                previousDy = dy;
            } else {
                for (int dx = 0; dx < rowLength; dx++) {
                    sum[dx] += beta * buf[dx];
                }
            }
        }
        store(sum, out, previousDy);
        return out;
    }

    /** {@code computeResizeAreaTab}. */
    private static Table table(int sourceSize, int destinationSize, int channels, double scale) {
        Table tab = new Table(sourceSize * 2);
        for (int dx = 0; dx < destinationSize; dx++) {
            double fsx1 = dx * scale;
            double fsx2 = fsx1 + scale;
            double cellWidth = Math.min(scale, sourceSize - fsx1);
            int sx1 = (int) Math.ceil(fsx1);
            int sx2 = CvRounding.floor(fsx2);
            sx2 = Math.min(sx2, sourceSize - 1);
            sx1 = Math.min(sx1, sx2);
            if (sx1 - fsx1 > 1e-3) {
                tab.add(dx * channels, (sx1 - 1) * channels, (float) ((sx1 - fsx1) / cellWidth));
            }
            for (int sx = sx1; sx < sx2; sx++) {
                tab.add(dx * channels, sx * channels, (float) (1.0 / cellWidth));
            }
            if (fsx2 - sx2 > 1e-3) {
                tab.add(dx * channels, sx2 * channels, (float) (Math.min(Math.min(fsx2 - sx2, 1.), cellWidth) / cellWidth));
            }
        }
        return tab;
    }

    /** {@code fill_row_buf_xtab} for three channels. */
    private static void fillRow(float[] buf, RgbImage src, int sy, Table xtab) {
        java.util.Arrays.fill(buf, 0f);
        byte[] pixels = src.pixels();
        int rowStart = sy * src.width() * CHANNELS;
        for (int k = 0; k < xtab.size; k++) {
            int s = rowStart + xtab.si[k];
            int d = xtab.di[k];
            float alpha = xtab.alpha[k];
            for (int c = 0; c < CHANNELS; c++) {
                buf[d + c] = buf[d + c] + (pixels[s + c] & 0xFF) * alpha;
            }
        }
    }

    /** {@code inter_area::saturate_store}. */
    private static void store(float[] sum, RgbImage out, int dy) {
        byte[] dst = out.pixels();
        int base = dy * sum.length;
        for (int dx = 0; dx < sum.length; dx++) {
            dst[base + dx] = (byte) CvRounding.saturateU8(sum[dx]);
        }
    }
}
