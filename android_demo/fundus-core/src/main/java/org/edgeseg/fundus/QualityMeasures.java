package org.edgeseg.fundus;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image-quality measures of a fundus photograph; mirrors {@code measure_quality} and
 * {@code MEASURES} in {@code edgeseg/data/quality.py} (and {@code web_demo/src/fundus/quality.js}).
 * They are computed on the field of view's work copy (at most {@value FieldOfView#WORK_SIDE} px a
 * side, {@link FieldOfView.WorkCopy}) plus, for blockiness, every 8th row of the full-resolution photograph:
 *
 * <ul>
 *   <li>{@code sharpness}: {@code std(G - blur1(G)) / std(G - blur8(G))} over the field of view
 *       eroded by an ellipse of radius {@code round(0.04 * its enclosing circle's diameter)}
 *       (G: the green channel; blurS: {@code cv2.GaussianBlur} of sigma S on float32);
 *   <li>{@code contrast}: {@code std(G - blur8(G))} over the same pixels;
 *   <li>{@code brightness}: the mean BT.601 luminance of the field of view;
 *   <li>{@code clipped}: the share of the field of view whose green is at least 250;
 *   <li>{@code coverage}: the field of view's area over that of its smallest enclosing circle (at most 1);
 *   <li>{@code blockiness}: the mean absolute green step across 8x8 block boundaries (columns
 *       8k-1 to 8k) over the mean step elsewhere, inside the field of view.
 * </ul>
 *
 * <p>Agreement with Python ({@code QualityGoldenTest}, the goldens of {@code make_golden.py}):
 * {@code clipped} and {@code blockiness} are ratios of integer counts and sums, exact in double in
 * both languages, so they are equal to the last bit. The others agree to a relative
 * {@value #RELATIVE_TOLERANCE}: Python blurs, subtracts and takes standard deviations in float32
 * (OpenCV's float32 kernel and row/column buffers, numpy's float32 pairwise sums and float32
 * luminance), and OpenCV's enclosing circle is computed in float32 (with a 1e-4 px margin, which
 * this port adds too); this port works in double with OpenCV's float32 kernel weights. Those
 * differences are of the order of float32's 6e-8 per operation, at most 2e-7 relative on the
 * goldens, a margin of 50; a port error moves the measures far more (a wrong sigma, kernel size or
 * ellipse by 1e-2 and more, {@code BORDER_REFLECT} instead of {@code BORDER_REFLECT_101} by 3e-4
 * on the frame-cut golden, which a tolerance of 1e-3 would miss). The golden bounds are kept 1 %
 * from every inexact measure, so the gate's reasons are equal exactly.
 */
public final class QualityMeasures {
    public static final double FINE_SIGMA = 1.0;
    public static final double COARSE_SIGMA = 8.0;
    /** The erosion's radius, as a share of the field of view's diameter. */
    public static final double EROSION = 0.04;
    public static final int CLIP_LEVEL = 250;
    public static final int BLOCK = 8;
    public static final int ROW_STEP = 8;
    /** The relative tolerance of the inexact measures against Python (see the class comment). */
    public static final double RELATIVE_TOLERANCE = 1e-5;
    /** The measures computed exactly as numpy computes them. */
    public static final List<String> EXACT_MEASURES = List.of("clipped", "blockiness");
    /**
     * Python's {@code MEASURES}: each measure, the way it fails ({@code "min"}: too low is bad)
     * and the word a user reads, in Python's order.
     */
    public static final Map<String, List<String>> MEASURES;

    static {
        Map<String, List<String>> measures = new LinkedHashMap<>();
        measures.put("sharpness", List.of("min", "blurred"));
        measures.put("contrast", List.of("min", "low contrast (hazy or dark)"));
        measures.put("brightness", List.of("min", "too dark"));
        measures.put("clipped", List.of("max", "over-exposed"));
        measures.put("coverage", List.of("min", "retina cut by the frame"));
        measures.put("blockiness", List.of("max", "compressed too much (JPEG blocks)"));
        MEASURES = Collections.unmodifiableMap(measures);
    }

    /** OpenCV's {@code minEnclosingCircle} adds this margin ({@code EPS}) to the radius it returns. */
    private static final double CIRCLE_EPS = 1e-4;
    /** Python's {@code np.array([0.299, 0.587, 0.114], np.float32)}. */
    private static final double[] LUMA = {0.299f, 0.587f, 0.114f};

    private final Map<String, Double> values;
    private final Map<String, Number> details;

    private QualityMeasures(double sharpness, double contrast, double brightness, double clipped, double coverage, double blockiness,
            Map<String, Number> details) {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put("sharpness", sharpness);
        map.put("contrast", contrast);
        map.put("brightness", brightness);
        map.put("clipped", clipped);
        map.put("coverage", coverage);
        map.put("blockiness", blockiness);
        this.values = Collections.unmodifiableMap(map);
        this.details = Collections.unmodifiableMap(details);
    }

    /** {@code measure_quality(image)}: the measures of {@code image}, its field of view found here. */
    public static QualityMeasures measure(RgbImage image) {
        return measure(image, FieldOfView.WorkCopy.of(image));
    }

    /** {@code measure_quality(image, field_of_view)} with the field of view's work copy already made. */
    public static QualityMeasures measure(RgbImage image, FieldOfView.WorkCopy work) {
        RgbImage small = work.small();
        boolean[] mask = work.mask();
        int width = small.width();
        int height = small.height();
        int maskPixels = count(mask);
        Map<String, Number> details = new LinkedHashMap<>();
        details.put("work_width", width);
        details.put("work_height", height);
        details.put("scale", work.scale());
        details.put("mask_pixels", maskPixels);
        if (maskPixels == 0) {
            return new QualityMeasures(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, details);
        }
        double radius = minEnclosingRadius(mask, width, height);
        double diameter = 2.0 * radius;
        double coverage = maskPixels / (Math.PI * Math.pow(Math.max(radius, 0.5), 2));
        int erosionRadius = Math.max(1, (int) Math.rint(EROSION * diameter));
        boolean[] inner = erodeEllipse(mask, width, height, erosionRadius);
        int innerPixels = count(inner);
        if (innerPixels == 0) {
            inner = mask;
        }
        details.put("enclosing_radius", radius);
        details.put("erosion_radius", erosionRadius);
        details.put("inner_pixels", innerPixels);

        byte[] pixels = small.pixels();
        double[] green = new double[width * height];
        for (int i = 0; i < green.length; i++) {
            green[i] = pixels[i * 3 + 1] & 0xFF;
        }
        double[] fineBlur = gaussianBlur(green, width, height, FINE_SIGMA);
        double[] coarseBlur = gaussianBlur(green, width, height, COARSE_SIGMA);
        double[] fine = new double[green.length];
        double[] coarse = new double[green.length];
        for (int i = 0; i < green.length; i++) {
            fine[i] = green[i] - fineBlur[i];
            coarse[i] = green[i] - coarseBlur[i];
        }
        double contrast = maskedStd(coarse, inner);
        double sharpness = contrast > 0 ? maskedStd(fine, inner) / contrast : 0.0;

        double luminance = 0;
        int clippedPixels = 0;
        for (int i = 0; i < mask.length; i++) {
            if (!mask[i]) {
                continue;
            }
            int red = pixels[i * 3] & 0xFF;
            int greenValue = pixels[i * 3 + 1] & 0xFF;
            int blue = pixels[i * 3 + 2] & 0xFF;
            luminance += red * LUMA[0] + greenValue * LUMA[1] + blue * LUMA[2];
            if (greenValue >= CLIP_LEVEL) {
                clippedPixels++;
            }
        }
        return new QualityMeasures(sharpness, contrast, luminance / maskPixels, (double) clippedPixels / maskPixels,
                Math.min(coverage, 1.0), blockiness(image, work), details);
    }

    public double sharpness() {
        return values.get("sharpness");
    }

    public double contrast() {
        return values.get("contrast");
    }

    public double brightness() {
        return values.get("brightness");
    }

    public double clipped() {
        return values.get("clipped");
    }

    public double coverage() {
        return values.get("coverage");
    }

    public double blockiness() {
        return values.get("blockiness");
    }

    /** The measure called {@code name} (a key of {@link #MEASURES}). */
    public double get(String name) {
        Double value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no quality measure " + name + "; the measures are " + MEASURES.keySet());
        }
        return value;
    }

    /** The six measures by name, in {@link #MEASURES} order. */
    public Map<String, Double> asMap() {
        return values;
    }

    /**
     * The intermediate quantities (work copy size, scale, field-of-view pixels and, when there is
     * a field of view, enclosing radius, erosion radius, pixels left after the erosion), under the
     * names of the goldens' {@code details}.
     */
    public Map<String, Number> details() {
        return details;
    }

    @Override
    public String toString() {
        return "QualityMeasures" + values;
    }

    /**
     * {@code _blockiness}: every {@value #ROW_STEP}th row of the full-resolution photograph, the
     * absolute green steps from column j to j + 1 inside the field of view (the work copy's mask
     * at {@code (int(row * scale), int(j * scale))}, clamped), split into block boundaries
     * ({@code j % 8 == 7}) and the rest.
     */
    private static double blockiness(RgbImage image, FieldOfView.WorkCopy work) {
        int width = image.width();
        byte[] pixels = image.pixels();
        int smallWidth = work.small().width();
        int smallHeight = work.small().height();
        boolean[] mask = work.mask();
        double scale = work.scale();
        int[] columns = new int[Math.max(0, width - 1)];
        for (int j = 0; j < columns.length; j++) {
            columns[j] = Math.min((int) (j * scale), smallWidth - 1);
        }
        long across = 0;
        long acrossCount = 0;
        long within = 0;
        long withinCount = 0;
        for (int y = 0; y < image.height(); y += ROW_STEP) {
            int maskRow = Math.min((int) (y * scale), smallHeight - 1) * smallWidth;
            int row = y * width * 3;
            for (int j = 0; j < columns.length; j++) {
                if (!mask[maskRow + columns[j]]) {
                    continue;
                }
                int step = Math.abs((pixels[row + (j + 1) * 3 + 1] & 0xFF) - (pixels[row + j * 3 + 1] & 0xFF));
                if (j % BLOCK == BLOCK - 1) {
                    across += step;
                    acrossCount++;
                } else {
                    within += step;
                    withinCount++;
                }
            }
        }
        if (acrossCount == 0 || withinCount == 0) {
            return 1.0;
        }
        return ((double) across / acrossCount) / Math.max((double) within / withinCount, 1e-6);
    }

    // ---- OpenCV and numpy operations ----

    /**
     * {@code cv2.getGaussianKernel(n, sigma, CV_32F)} with {@code cv2.GaussianBlur}'s size for
     * float images, {@code n = cvRound(sigma * 4 * 2 + 1) | 1}: {@code exp(-x^2 / (2 sigma^2))} at
     * {@code x = i - (n - 1) / 2} in double, times 1 / their sum, rounded to float32 (equal to
     * OpenCV's kernel to the bit for sigma 1 and 8).
     */
    static double[] gaussianKernel(double sigma) {
        int size = (int) Math.rint(sigma * 4 * 2 + 1) | 1;
        double[] kernel = new double[size];
        double scale2 = -0.5 / (sigma * sigma);
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double x = i - (size - 1) * 0.5;
            kernel[i] = Math.exp(scale2 * x * x);
            sum += kernel[i];
        }
        sum = 1.0 / sum;
        for (int i = 0; i < size; i++) {
            kernel[i] = (float) (kernel[i] * sum);
        }
        return kernel;
    }

    /** {@code cv2.borderInterpolate(p, length, BORDER_REFLECT_101)}: {@code ...cb|abcd|cb...}. */
    static int reflect101(int p, int length) {
        if (length == 1) {
            return 0;
        }
        while (p < 0 || p >= length) {
            p = p < 0 ? -p : 2 * length - p - 2;
        }
        return p;
    }

    /**
     * {@code cv2.GaussianBlur(plane, (0, 0), sigma)} on a float plane ({@code width * height},
     * row-major), default border {@code BORDER_REFLECT_101}: the separable kernel along rows, then
     * along columns, in double.
     */
    static double[] gaussianBlur(double[] plane, int width, int height, double sigma) {
        double[] kernel = gaussianKernel(sigma);
        int radius = (kernel.length - 1) / 2;
        int[] xs = new int[width + 2 * radius];
        for (int p = 0; p < xs.length; p++) {
            xs[p] = reflect101(p - radius, width);
        }
        int[] ys = new int[height + 2 * radius];
        for (int p = 0; p < ys.length; p++) {
            ys[p] = reflect101(p - radius, height);
        }
        double[] rows = new double[width * height];
        for (int y = 0; y < height; y++) {
            int start = y * width;
            for (int x = 0; x < width; x++) {
                double sum = 0;
                for (int k = 0; k < kernel.length; k++) {
                    sum += kernel[k] * plane[start + xs[x + k]];
                }
                rows[start + x] = sum;
            }
        }
        double[] out = new double[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double sum = 0;
                for (int k = 0; k < kernel.length; k++) {
                    sum += kernel[k] * rows[ys[y + k] * width + x];
                }
                out[y * width + x] = sum;
            }
        }
        return out;
    }

    /**
     * {@code cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2r + 1, 2r + 1))} as one
     * {@code [from, to]} column offset span per row offset {@code -r..r}: row i holds
     * {@code dx = cvRound(c * sqrt((r^2 - dy^2) / r^2))} either side of the centre.
     */
    static int[][] ellipseSpans(int radius) {
        int r = radius;
        int c = radius;
        int size = 2 * radius + 1;
        double inverse = r != 0 ? 1.0 / ((double) r * r) : 0;
        int[][] spans = new int[size][];
        for (int i = 0; i < size; i++) {
            int dy = i - r;
            int dx = (int) Math.rint(c * Math.sqrt((r * r - dy * dy) * inverse));
            int j1 = Math.max(c - dx, 0);
            int j2 = Math.min(c + dx + 1, size);
            spans[i] = new int[] {j1 - c, j2 - 1 - c};
        }
        return spans;
    }

    /**
     * {@code cv2.erode(mask, that ellipse)} with OpenCV's default border: pixels outside the image
     * count as set ({@code morphologyDefaultBorderValue}), so the image edge does not erode. Per
     * row of the ellipse, a run of zeros is looked up in that row's prefix counts.
     */
    static boolean[] erodeEllipse(boolean[] mask, int width, int height, int radius) {
        int[] zeros = new int[height * (width + 1)];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                zeros[y * (width + 1) + x + 1] = zeros[y * (width + 1) + x] + (mask[y * width + x] ? 0 : 1);
            }
        }
        int[][] spans = ellipseSpans(radius);
        boolean[] out = new boolean[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (!mask[y * width + x]) {
                    continue;
                }
                boolean inside = true;
                for (int i = 0; i < spans.length && inside; i++) {
                    int yy = y + i - radius;
                    if (yy < 0 || yy >= height) {
                        continue;
                    }
                    int from = Math.max(0, x + spans[i][0]);
                    int to = Math.min(width - 1, x + spans[i][1]);
                    if (from <= to && zeros[yy * (width + 1) + to + 1] - zeros[yy * (width + 1) + from] > 0) {
                        inside = false;
                    }
                }
                out[y * width + x] = inside;
            }
        }
        return out;
    }

    /**
     * The radius of {@code cv2.minEnclosingCircle(cv2.findNonZero(mask))}: the smallest circle
     * around the mask's pixel centres (unique, so any exact algorithm finds OpenCV's), with
     * OpenCV's 1e-4 margin, rounded to float32 as OpenCV returns it; 0 for an empty mask. Only each
     * row's first and last pixel can touch the circle; on those, Welzl's algorithm, iterative, in
     * a fixed pseudo-random order.
     */
    static double minEnclosingRadius(boolean[] mask, int width, int height) {
        double[][] points = new double[2 * height][];
        int n = 0;
        for (int y = 0; y < height; y++) {
            int first = -1;
            int last = -1;
            for (int x = 0; x < width; x++) {
                if (mask[y * width + x]) {
                    if (first < 0) {
                        first = x;
                    }
                    last = x;
                }
            }
            if (first < 0) {
                continue;
            }
            points[n++] = new double[] {first, y};
            if (last != first) {
                points[n++] = new double[] {last, y};
            }
        }
        if (n == 0) {
            return 0.0;
        }
        points = Arrays.copyOf(points, n);
        int seed = 20261206;
        for (int i = n - 1; i > 0; i--) {
            seed = seed * 1103515245 + 12345;
            int j = (int) (Integer.toUnsignedLong(seed) % (i + 1));
            double[] swap = points[i];
            points[i] = points[j];
            points[j] = swap;
        }
        double[] circle = {points[0][0], points[0][1], 0.0};
        for (int i = 1; i < n; i++) {
            if (encloses(circle, points[i])) {
                continue;
            }
            circle = new double[] {points[i][0], points[i][1], 0.0};
            for (int j = 0; j < i; j++) {
                if (encloses(circle, points[j])) {
                    continue;
                }
                circle = circleOf2(points[i], points[j]);
                for (int k = 0; k < j; k++) {
                    if (!encloses(circle, points[k])) {
                        circle = circleOf3(points[i], points[j], points[k]);
                    }
                }
            }
        }
        return (float) (circle[2] + CIRCLE_EPS);
    }

    private static boolean encloses(double[] circle, double[] point) {
        return Math.hypot(point[0] - circle[0], point[1] - circle[1]) <= circle[2] + 1e-9;
    }

    private static double[] circleOf2(double[] a, double[] b) {
        return new double[] {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, Math.hypot(a[0] - b[0], a[1] - b[1]) / 2};
    }

    /** The circle through three points; for collinear ones, the one on the farthest pair. */
    private static double[] circleOf3(double[] a, double[] b, double[] c) {
        double bx = b[0] - a[0];
        double by = b[1] - a[1];
        double cx = c[0] - a[0];
        double cy = c[1] - a[1];
        double d = 2 * (bx * cy - by * cx);
        if (d == 0) {
            double[] best = circleOf2(a, b);
            for (double[][] pair : new double[][][] {{a, c}, {b, c}}) {
                double[] candidate = circleOf2(pair[0], pair[1]);
                if (candidate[2] > best[2]) {
                    best = candidate;
                }
            }
            return best;
        }
        double b2 = bx * bx + by * by;
        double c2 = cx * cx + cy * cy;
        double ux = (cy * b2 - by * c2) / d;
        double uy = (bx * c2 - cx * b2) / d;
        return new double[] {a[0] + ux, a[1] + uy, Math.hypot(ux, uy)};
    }

    /** numpy's {@code x[mask].std()} (population, ddof 0), two-pass, in double. */
    private static double maskedStd(double[] values, boolean[] mask) {
        int n = 0;
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            if (mask[i]) {
                sum += values[i];
                n++;
            }
        }
        double mean = sum / n;
        double squares = 0;
        for (int i = 0; i < values.length; i++) {
            if (mask[i]) {
                double d = values[i] - mean;
                squares += d * d;
            }
        }
        return Math.sqrt(squares / n);
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean set : mask) {
            if (set) {
                n++;
            }
        }
        return n;
    }
}
