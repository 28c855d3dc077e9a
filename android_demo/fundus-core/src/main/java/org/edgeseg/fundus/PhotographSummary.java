package org.edgeseg.fundus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.opencv.ComponentCounter;

/**
 * The lesion summary {@code edgeseg predict} writes, measured on the photograph's own pixels: the
 * port of {@code summarise} in {@code edgeseg/predict/summary.py} (and of {@code photographSummary}
 * in the page's {@code summary.js}): each map brought back onto the field-of-view box as
 * {@code cv2.resize(..., INTER_LINEAR)} computes it on x86-64 (Intel IPP: the fraction kept in
 * float32, one rounding of {@code p0 + (p1 - p0) * t}, rows first), thresholded, and per lesion the
 * area as a share of the field of view, the 8-connected components and the largest probability
 * (0 outside the box). The grader reads these ({@link Grader}); {@code FindingsGoldenTest} holds
 * them to Python's.
 */
public final class PhotographSummary {
    private PhotographSummary() {
    }

    private static final class Axis {
        final int[] first;
        final int[] second;
        final float[] fraction;

        Axis(int destination, int source) {
            first = new int[destination];
            second = new int[destination];
            fraction = new float[destination];
            double scale = (double) source / destination;
            for (int d = 0; d < destination; d++) {
                double coordinate = (d + 0.5) * scale - 0.5;
                int s = (int) Math.floor(coordinate);
                first[d] = Math.min(Math.max(s, 0), source - 1);
                second[d] = Math.min(Math.max(s + 1, 0), source - 1);
                fraction[d] = (float) (coordinate - s);
            }
        }
    }

    private static float lerp(float p0, float p1, float t) {
        return (float) ((double) (p1 - p0) * t + p0);
    }

    /** The number of photograph pixels in the field of view ({@code FieldOfView.mask().sum()}). */
    public static long fieldOfViewPixels(FieldOfView.WorkCopy work, int imageWidth, int imageHeight) {
        RgbImage small = work.small();
        boolean[] mask = work.mask();
        if (work.scale() >= 1.0) {
            long pixels = 0;
            for (boolean inside : mask) {
                pixels += inside ? 1 : 0;
            }
            return pixels;
        }
        int[] columnWeights = new int[small.width()];
        double columnStep = 1.0 / ((double) imageWidth / small.width());
        for (int x = 0; x < imageWidth; x++) {
            columnWeights[Math.min((int) Math.floor(x * columnStep), small.width() - 1)]++;
        }
        long[] rowCounts = new long[small.height()];
        for (int sy = 0; sy < small.height(); sy++) {
            for (int sx = 0; sx < small.width(); sx++) {
                rowCounts[sy] += mask[sy * small.width() + sx] ? columnWeights[sx] : 0;
            }
        }
        double rowStep = 1.0 / ((double) imageHeight / small.height());
        long pixels = 0;
        for (int y = 0; y < imageHeight; y++) {
            pixels += rowCounts[Math.min((int) Math.floor(y * rowStep), small.height() - 1)];
        }
        return pixels;
    }

    /**
     * Per lesion {@code area_share_of_fov}, {@code components} and {@code max_probability} of the
     * square's maps ({@code maps[lesion][size * size]}) on the photograph.
     */
    public static Map<String, Map<String, Double>> of(float[][] maps, int size, List<String> lesions, Map<String, Double> thresholds,
            SquareGeometry geometry, int imageWidth, int imageHeight, long fieldOfViewPixels) {
        Box box = geometry.box();
        int boxWidth = box.width();
        int boxHeight = box.height();
        boolean padded = geometry.side() > 0;
        Axis xs = new Axis(padded ? geometry.side() : boxWidth, size);
        Axis ys = new Axis(padded ? geometry.side() : boxHeight, size);
        int columnOffset = padded ? geometry.padLeft() : 0;
        int rowOffset = padded ? geometry.padTop() : 0;
        boolean outsideBox = box.x0() > 0 || box.y0() > 0 || box.x1() < imageWidth || box.y1() < imageHeight;
        Map<String, Map<String, Double>> summary = new LinkedHashMap<>();
        for (int index = 0; index < lesions.size(); index++) {
            String lesion = lesions.get(index);
            float cut = (float) (double) thresholds.get(lesion);
            float[] map = maps[index];
            float[] horizontal = new float[size * boxWidth];
            for (int sy = 0; sy < size; sy++) {
                for (int x = 0; x < boxWidth; x++) {
                    int dx = x + columnOffset;
                    horizontal[sy * boxWidth + x] = lerp(map[sy * size + xs.first[dx]], map[sy * size + xs.second[dx]], xs.fraction[dx]);
                }
            }
            boolean[] row = new boolean[boxWidth];
            ComponentCounter components = new ComponentCounter(boxWidth);
            long area = 0;
            float highest = outsideBox ? 0f : Float.NEGATIVE_INFINITY;
            for (int y = 0; y < boxHeight; y++) {
                int dy = y + rowOffset;
                int r0 = ys.first[dy] * boxWidth;
                int r1 = ys.second[dy] * boxWidth;
                float t = ys.fraction[dy];
                for (int x = 0; x < boxWidth; x++) {
                    float p = lerp(horizontal[r0 + x], horizontal[r1 + x], t);
                    highest = Math.max(highest, p);
                    row[x] = p >= cut;
                    if (row[x]) {
                        area++;
                    }
                }
                components.addRow(row);
            }
            Map<String, Double> entry = new LinkedHashMap<>();
            entry.put("area_share_of_fov", fieldOfViewPixels > 0 ? (double) area / fieldOfViewPixels : Double.NaN);
            entry.put("components", (double) components.count());
            entry.put("max_probability", (double) highest);
            summary.put(lesion, entry);
        }
        return summary;
    }
}
