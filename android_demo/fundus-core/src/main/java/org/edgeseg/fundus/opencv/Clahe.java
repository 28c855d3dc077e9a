package org.edgeseg.fundus.opencv;

/**
 * {@code cv2.createCLAHE(clipLimit, (tiles, tiles)).apply(plane)} on an 8-bit plane
 * ({@code CLAHE_Impl::apply} in {@code modules/imgproc/src/clahe.cpp}): per-tile histograms
 * clipped at an integer limit with the excess spread evenly, cumulative lookup tables scaled in
 * float, and bilinear interpolation between the four nearest tiles in float, rounded half to even.
 */
public final class Clahe {
    private static final int HIST_SIZE = 256;

    private final double clipLimit;
    private final int tiles;

    public Clahe(double clipLimit, int tiles) {
        this.clipLimit = clipLimit;
        this.tiles = tiles;
    }

    /** Equalises {@code plane} ({@code width * height} values 0-255, row-major) into a new array. */
    public int[] apply(int[] plane, int width, int height) {
        int[] source = plane;
        int lutWidth = width;
        int lutHeight = height;
        if (width % tiles != 0 || height % tiles != 0) {
            lutWidth = width + tiles - width % tiles;
            lutHeight = height + tiles - height % tiles;
            source = reflect101(plane, width, height, lutWidth, lutHeight);
        }
        int tileWidth = lutWidth / tiles;
        int tileHeight = lutHeight / tiles;
        int tileArea = tileWidth * tileHeight;
        float lutScale = (float) (HIST_SIZE - 1) / tileArea;
        int limit = 0;
        if (clipLimit > 0.0) {
            limit = Math.max((int) (clipLimit * tileArea / HIST_SIZE), 1);
        }
        int[][] luts = new int[tiles * tiles][];
        for (int k = 0; k < luts.length; k++) {
            luts[k] = tileLut(source, lutWidth, (k % tiles) * tileWidth, (k / tiles) * tileHeight, tileWidth, tileHeight, limit, lutScale);
        }
        return interpolate(plane, width, height, luts, tileWidth, tileHeight);
    }

    /** {@code CLAHE_CalcLut_Body}: the clipped, equalising lookup table of one tile. */
    private static int[] tileLut(int[] source, int stride, int x0, int y0, int tileWidth, int tileHeight, int limit, float lutScale) {
        int[] hist = new int[HIST_SIZE];
        for (int y = y0; y < y0 + tileHeight; y++) {
            for (int x = x0; x < x0 + tileWidth; x++) {
                hist[source[y * stride + x]]++;
            }
        }
        if (limit > 0) {
            int clipped = 0;
            for (int i = 0; i < HIST_SIZE; i++) {
                if (hist[i] > limit) {
                    clipped += hist[i] - limit;
                    hist[i] = limit;
                }
            }
            int batch = clipped / HIST_SIZE;
            int residual = clipped - batch * HIST_SIZE;
            for (int i = 0; i < HIST_SIZE; i++) {
                hist[i] += batch;
            }
            if (residual != 0) {
                int step = Math.max(HIST_SIZE / residual, 1);
                for (int i = 0; i < HIST_SIZE && residual > 0; i += step, residual--) {
                    hist[i]++;
                }
            }
        }
        int[] lut = new int[HIST_SIZE];
        int sum = 0;
        for (int i = 0; i < HIST_SIZE; i++) {
            sum += hist[i];
            lut[i] = CvRounding.saturateU8(sum * lutScale);
        }
        return lut;
    }

    /** {@code CLAHE_Interpolation_Body}: each pixel through the luts of its four nearest tiles. */
    private int[] interpolate(int[] plane, int width, int height, int[][] luts, int tileWidth, int tileHeight) {
        float inverseTileWidth = 1.0f / tileWidth;
        float inverseTileHeight = 1.0f / tileHeight;
        int[] tx1 = new int[width];
        int[] tx2 = new int[width];
        float[] xa = new float[width];
        float[] xa1 = new float[width];
        for (int x = 0; x < width; x++) {
            float txf = x * inverseTileWidth - 0.5f;
            int left = CvRounding.floor(txf);
            xa[x] = txf - left;
            xa1[x] = 1.0f - xa[x];
            tx1[x] = Math.max(left, 0);
            tx2[x] = Math.min(left + 1, tiles - 1);
        }
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            float tyf = y * inverseTileHeight - 0.5f;
            int top = CvRounding.floor(tyf);
            float ya = tyf - top;
            float ya1 = 1.0f - ya;
            int ty1 = Math.max(top, 0);
            int ty2 = Math.min(top + 1, tiles - 1);
            for (int x = 0; x < width; x++) {
                int value = plane[y * width + x];
                float res = (luts[ty1 * tiles + tx1[x]][value] * xa1[x] + luts[ty1 * tiles + tx2[x]][value] * xa[x]) * ya1
                        + (luts[ty2 * tiles + tx1[x]][value] * xa1[x] + luts[ty2 * tiles + tx2[x]][value] * xa[x]) * ya;
                out[y * width + x] = CvRounding.saturateU8(res);
            }
        }
        return out;
    }

    /** {@code cv2.copyMakeBorder(..., BORDER_REFLECT_101)} on the bottom and right edges only. */
    private static int[] reflect101(int[] plane, int width, int height, int paddedWidth, int paddedHeight) {
        int[] out = new int[paddedWidth * paddedHeight];
        for (int y = 0; y < paddedHeight; y++) {
            int sy = reflectIndex(y, height);
            for (int x = 0; x < paddedWidth; x++) {
                out[y * paddedWidth + x] = plane[sy * width + reflectIndex(x, width)];
            }
        }
        return out;
    }

    /** OpenCV's {@code borderInterpolate} for {@code BORDER_REFLECT_101} past the end ({@code gfedcb|abcdefgh|gfedcba}). */
    private static int reflectIndex(int i, int size) {
        if (size == 1) {
            return 0;
        }
        int period = 2 * (size - 1);
        int r = i % period;
        return r < size ? r : period - r;
    }
}
