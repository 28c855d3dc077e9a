package org.edgeseg.fundus.opencv;

/**
 * {@code cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5)))} on a binary mask: erosion then
 * dilation with a 5x5 square. OpenCV's default border value for morphology
 * ({@code morphologyDefaultBorderValue}) never wins a minimum or a maximum, so pixels outside
 * the image are simply left out of each window.
 */
public final class Morphology {
    private static final int RADIUS = 2;

    private Morphology() {
    }

    /** The opening of {@code mask} ({@code width * height}, row-major). */
    public static boolean[] open5x5(boolean[] mask, int width, int height) {
        return dilate(erode(mask, width, height), width, height);
    }

    private static boolean[] erode(boolean[] mask, int width, int height) {
        return invert(dilate(invert(mask), width, height));
    }

    /** A 5x5 square dilation, separable: along rows, then along columns. */
    private static boolean[] dilate(boolean[] mask, int width, int height) {
        boolean[] rows = new boolean[mask.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int k = Math.max(0, x - RADIUS); k <= Math.min(width - 1, x + RADIUS) && !rows[y * width + x]; k++) {
                    rows[y * width + x] = mask[y * width + k];
                }
            }
        }
        boolean[] out = new boolean[mask.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int k = Math.max(0, y - RADIUS); k <= Math.min(height - 1, y + RADIUS) && !out[y * width + x]; k++) {
                    out[y * width + x] = rows[k * width + x];
                }
            }
        }
        return out;
    }

    private static boolean[] invert(boolean[] mask) {
        boolean[] out = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            out[i] = !mask[i];
        }
        return out;
    }
}
