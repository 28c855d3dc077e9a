package org.edgeseg.fundus.opencv;

/**
 * {@code cv2.medianBlur(plane, 5)} on an 8-bit plane: the median of the 5x5 neighbourhood, the
 * image edge replicated ({@code BORDER_REPLICATE}, as OpenCV's {@code medianBlur} does).
 */
public final class MedianBlur {
    private static final int RADIUS = 2;

    private MedianBlur() {
    }

    /** The 5x5 median of {@code plane} ({@code width * height} values 0-255, row-major). */
    public static int[] apply5x5(int[] plane, int width, int height) {
        int[] out = new int[plane.length];
        int[] window = new int[(2 * RADIUS + 1) * (2 * RADIUS + 1)];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int n = 0;
                for (int dy = -RADIUS; dy <= RADIUS; dy++) {
                    int row = Math.min(Math.max(y + dy, 0), height - 1) * width;
                    for (int dx = -RADIUS; dx <= RADIUS; dx++) {
                        window[n++] = plane[row + Math.min(Math.max(x + dx, 0), width - 1)];
                    }
                }
                java.util.Arrays.sort(window);
                out[y * width + x] = window[window.length / 2];
            }
        }
        return out;
    }
}
