package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.edgeseg.fundus.opencv.ConnectedComponents;

/**
 * The anatomy-aware findings, the port of {@code edgeseg/screening} ({@code anatomy.py},
 * {@code findings.py}, {@code words.py}) and of {@code square_field} in
 * {@code edgeseg/predict/verdict.py}: the optic disc and the fovea located on the model's square,
 * haemorrhages and microaneurysms per quadrant around the fovea, and the hard exudates near it.
 * Every step is box sums over integral images (exact in doubles), divisions and comparisons of
 * squared distances, as in Python, so the library finds the same positions and counts
 * ({@code FindingsGoldenTest} holds them to Python's goldens).
 */
public final class Findings {
    /** {@code edgeseg/screening/anatomy.py}'s constants. */
    public static final double DISC_DIAMETER_SHARE = 0.153;
    public static final double DISC_INNER = 0.75;
    public static final double DISC_OUTER = 2.5;
    public static final double FOVEA_DISTANCE = 2.5;
    public static final double FOVEA_DROP = 0.3;
    public static final double FOVEA_SEARCH = 0.5;
    public static final double MIN_FIELD_SHARE = 0.9;
    /** {@code edgeseg/screening/findings.py}'s quadrants, counted lesions and exudate radii. */
    public static final List<String> QUADRANTS = Collections.unmodifiableList(
            Arrays.asList("superotemporal", "superonasal", "inferonasal", "inferotemporal"));
    public static final List<String> QUADRANT_LESIONS = Collections.unmodifiableList(Arrays.asList("HE", "MA"));
    public static final double[] NEAR_DD = {1.0, 2.0};

    /** The disc centre, the disc diameter (DD) and the fovea, in pixels of the model's square. */
    public static final class Anatomy {
        public final double discX;
        public final double discY;
        public final double discDiameter;
        public final double foveaX;
        public final double foveaY;

        Anatomy(double discX, double discY, double discDiameter, double foveaX, double foveaY) {
            this.discX = discX;
            this.discY = discY;
            this.discDiameter = discDiameter;
            this.foveaX = foveaX;
            this.foveaY = foveaY;
        }
    }

    /** One lesion on the square: components, area share of the field of view, largest probability, centroids. */
    public static final class LesionCount {
        public final int components;
        public final double areaShare;
        public final double maxProbability;
        final double[][] centroids;

        LesionCount(int components, double areaShare, double maxProbability, double[][] centroids) {
            this.components = components;
            this.areaShare = areaShare;
            this.maxProbability = maxProbability;
            this.centroids = centroids;
        }
    }

    public final Map<String, LesionCount> lesions;
    public final Anatomy anatomy;
    public final Map<String, Map<String, Integer>> perQuadrant;
    /** The nearest exudate pixel from the fovea in DD; null without exudates or anatomy. */
    public final Double exudateDistanceDd;
    /** Exudate area within each of {@link #NEAR_DD} of the fovea (share of the field of view). */
    public final double[] exudatesWithin;

    private Findings(Map<String, LesionCount> lesions, Anatomy anatomy, Map<String, Map<String, Integer>> perQuadrant,
            Double exudateDistanceDd, double[] exudatesWithin) {
        this.lesions = lesions;
        this.anatomy = anatomy;
        this.perQuadrant = perQuadrant;
        this.exudateDistanceDd = exudateDistanceDd;
        this.exudatesWithin = exudatesWithin;
    }

    /** Python's {@code round}: halves to even. */
    private static int odd(double length) {
        return Math.max(1, ((int) Math.rint(length)) | 1);
    }

    private static double[] integral(double[] values, int width, int height) {
        double[] sums = new double[(width + 1) * (height + 1)];
        for (int y = 0; y < height; y++) {
            double row = 0;
            for (int x = 0; x < width; x++) {
                row += values[y * width + x];
                sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row;
            }
        }
        return sums;
    }

    /** {@code anatomy._box_sums} at one pixel. */
    private static double boxSum(double[] table, int width, int height, int side, int x, int y) {
        int half = side / 2;
        int y0 = Math.min(Math.max(y - half, 0), height);
        int y1 = Math.min(Math.max(y + half + 1, 0), height);
        int x0 = Math.min(Math.max(x - half, 0), width);
        int x1 = Math.min(Math.max(x + half + 1, 0), width);
        int stride = width + 1;
        return table[y1 * stride + x1] - table[y0 * stride + x1] - table[y1 * stride + x0] + table[y0 * stride + x0];
    }

    /** {@code anatomy.locate_anatomy} on the model's square (after CLAHE); null for an empty field of view. */
    public static Anatomy locateAnatomy(RgbImage square, boolean[] field) {
        int size = square.width();
        int first = -1;
        int last = -1;
        for (int x = 0; x < size; x++) {
            for (int y = 0; y < size; y++) {
                if (field[y * size + x]) {
                    if (first < 0) {
                        first = x;
                    }
                    last = x;
                    break;
                }
            }
        }
        if (first < 0) {
            return null;
        }
        double diameter = DISC_DIAMETER_SHARE * (last - first + 1);
        int n = size * size;
        double[] brightness = new double[n];
        double[] inside = new double[n];
        byte[] pixels = square.pixels();
        for (int i = 0; i < n; i++) {
            inside[i] = field[i] ? 1.0 : 0.0;
            brightness[i] = ((double) (pixels[3 * i] & 0xff) + (pixels[3 * i + 1] & 0xff)) / 2 * inside[i];
        }
        double[] brightnessSums = integral(brightness, size, size);
        double[] fieldSums = integral(inside, size, size);
        int inner = odd(DISC_INNER * diameter);
        int outer = odd(DISC_OUTER * diameter);
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double innerCount = boxSum(fieldSums, size, size, inner, x, y);
                if (innerCount < MIN_FIELD_SHARE * inner * inner) {
                    continue;
                }
                double innerSum = boxSum(brightnessSums, size, size, inner, x, y);
                double ringSum = boxSum(brightnessSums, size, size, outer, x, y) - innerSum;
                double ringCount = boxSum(fieldSums, size, size, outer, x, y) - innerCount;
                double score = innerSum / Math.max(innerCount, 1) - ringSum / Math.max(ringCount, 1);
                if (score > bestScore) {
                    bestScore = score;
                    best = y * size + x;
                }
            }
        }
        if (best < 0) {
            best = 0; // every score -inf: numpy's argmax gives the first pixel
        }
        int discX = best % size;
        int discY = best / size;
        double centreX = (first + last) / 2.0;
        double temporal = centreX >= discX ? 1.0 : -1.0;
        double expectedX = discX + temporal * FOVEA_DISTANCE * diameter;
        double expectedY = discY + FOVEA_DROP * diameter;
        int window = odd(diameter);
        double radius = FOVEA_SEARCH * diameter;
        double foveaX = expectedX;
        double foveaY = expectedY;
        double darkest = Double.POSITIVE_INFINITY;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double dx = x - expectedX;
                double dy = y - expectedY;
                if (!(dx * dx + dy * dy <= radius * radius)) {
                    continue;
                }
                double count = boxSum(fieldSums, size, size, window, x, y);
                if (!(count >= window * window)) {
                    continue;
                }
                double darkness = boxSum(brightnessSums, size, size, window, x, y) / Math.max(count, 1);
                if (darkness < darkest) {
                    darkest = darkness;
                    foveaX = x;
                    foveaY = y;
                }
            }
        }
        return new Anatomy(discX, discY, diameter, foveaX, foveaY);
    }

    /** {@code findings.quadrant_of}: the index into {@link #QUADRANTS} of a point around the fovea. */
    public static int quadrantOf(Anatomy anatomy, double x, double y) {
        double nx = anatomy.discX - anatomy.foveaX;
        double ny = anatomy.discY - anatomy.foveaY;
        if (nx == 0 && ny == 0) {
            nx = 1.0;
        }
        double sx = ny;
        double sy = -nx;
        if (sy > 0) {
            sx = -sx;
            sy = -sy;
        }
        double dx = x - anatomy.foveaX;
        double dy = y - anatomy.foveaY;
        boolean nasal = dx * nx + dy * ny >= 0;
        boolean superior = dx * sx + dy * sy >= 0;
        return superior ? (nasal ? 1 : 0) : (nasal ? 2 : 3);
    }

    /**
     * {@code findings.find_findings} from the lesion maps on the square ({@code maps[lesion][size * size]}),
     * the lesions' thresholds, the square's field of view and the anatomy (null: no per-quadrant or
     * macular findings).
     */
    public static Findings find(float[][] maps, List<String> lesionNames, Map<String, Double> thresholds, boolean[] field,
            Anatomy anatomy, int size) {
        int fieldPixels = 0;
        for (boolean inside : field) {
            fieldPixels += inside ? 1 : 0;
        }
        Map<String, LesionCount> counts = new LinkedHashMap<>();
        Map<String, boolean[]> masks = new LinkedHashMap<>();
        for (int index = 0; index < lesionNames.size(); index++) {
            String lesion = lesionNames.get(index);
            float cut = (float) (double) thresholds.get(lesion);
            float[] map = maps[index];
            boolean[] mask = new boolean[size * size];
            int area = 0;
            float highest = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < map.length; i++) {
                highest = Math.max(highest, map[i]);
                if (map[i] >= cut) {
                    mask[i] = true;
                    area++;
                }
            }
            ConnectedComponents components = ConnectedComponents.label(mask, size, size);
            double[][] centroids = new double[components.count()][2];
            int[] areas = new int[components.count() + 1];
            for (int i = 0; i < mask.length; i++) {
                int label = components.labelAt(i);
                if (label == 0) {
                    continue;
                }
                centroids[label - 1][0] += i % size;
                centroids[label - 1][1] += i / size;
                areas[label]++;
            }
            for (int label = 1; label <= components.count(); label++) {
                centroids[label - 1][0] /= areas[label];
                centroids[label - 1][1] /= areas[label];
            }
            counts.put(lesion, new LesionCount(components.count(), fieldPixels > 0 ? (double) area / fieldPixels : 0.0, highest,
                    centroids));
            masks.put(lesion, mask);
        }
        Map<String, Map<String, Integer>> perQuadrant = new LinkedHashMap<>();
        Double distance = null;
        double[] within = new double[NEAR_DD.length];
        if (anatomy != null) {
            for (String lesion : QUADRANT_LESIONS) {
                if (!counts.containsKey(lesion)) {
                    continue;
                }
                Map<String, Integer> tally = new LinkedHashMap<>();
                for (String name : QUADRANTS) {
                    tally.put(name, 0);
                }
                for (double[] centroid : counts.get(lesion).centroids) {
                    tally.merge(QUADRANTS.get(quadrantOf(anatomy, centroid[0], centroid[1])), 1, Integer::sum);
                }
                perQuadrant.put(lesion, tally);
            }
            boolean[] exudates = masks.get("EX");
            if (exudates != null) {
                double nearest = Double.POSITIVE_INFINITY;
                int[] near = new int[NEAR_DD.length];
                for (int i = 0; i < exudates.length; i++) {
                    if (!exudates[i]) {
                        continue;
                    }
                    double dx = (i % size) - anatomy.foveaX;
                    double dy = (i / size) - anatomy.foveaY;
                    double dd = Math.sqrt(dx * dx + dy * dy) / anatomy.discDiameter;
                    nearest = Math.min(nearest, dd);
                    for (int k = 0; k < NEAR_DD.length; k++) {
                        near[k] += dd <= NEAR_DD[k] ? 1 : 0;
                    }
                }
                if (nearest < Double.POSITIVE_INFINITY) {
                    distance = nearest;
                    for (int k = 0; k < NEAR_DD.length; k++) {
                        within[k] = (double) near[k] / fieldPixels;
                    }
                }
            }
        }
        return new Findings(counts, anatomy, perQuadrant, distance, within);
    }

    /** {@code Findings.quadrants_with}. */
    public int quadrantsWith(String lesion) {
        int quadrants = 0;
        for (int count : perQuadrant.getOrDefault(lesion, Collections.emptyMap()).values()) {
            quadrants += count > 0 ? 1 : 0;
        }
        return quadrants;
    }

    private static String plural(int count, String noun) {
        return count + " " + (count == 1 ? noun : noun + "s");
    }

    /**
     * {@code words.finding_words}: one phrase per finding; the lesion counts from the photograph's
     * summary ({@code componentsByLesion}) when given, else the square's.
     */
    public List<String> words(Map<String, Integer> componentsByLesion) {
        List<String> words = new ArrayList<>();
        String[][] counted = {{"HE", "haemorrhage"}, {"MA", "microaneurysm"}};
        for (String[] entry : counted) {
            if (!lesions.containsKey(entry[0])) {
                continue;
            }
            int count = components(entry[0], componentsByLesion);
            String phrase = plural(count, entry[1]);
            if (count > 0 && perQuadrant.containsKey(entry[0])) {
                phrase += " in " + plural(quadrantsWith(entry[0]), "quadrant");
            }
            words.add(phrase);
        }
        if (lesions.containsKey("EX")) {
            if (lesions.get("EX").components == 0) {
                words.add("no hard exudates");
            } else if (exudateDistanceDd == null) {
                words.add(plural(components("EX", componentsByLesion), "hard exudate") + " (fovea not located)");
            } else {
                String where = exudateDistanceDd <= 1.0 ? "within 1 disc diameter of"
                        : String.format(Locale.ROOT, "%.1f disc diameters from", exudateDistanceDd);
                words.add("hard exudates " + where + " the fovea");
            }
        }
        if (lesions.containsKey("SE") && components("SE", componentsByLesion) > 0) {
            words.add(plural(components("SE", componentsByLesion), "soft exudate"));
        }
        if (anatomy == null) {
            words.add("optic disc and fovea not located");
        }
        return words;
    }

    private int components(String lesion, Map<String, Integer> componentsByLesion) {
        return componentsByLesion != null ? componentsByLesion.get(lesion) : lesions.get(lesion).components;
    }

    /**
     * {@code verdict.square_field}: at each square pixel the field of view at the photograph pixel
     * nearest its centre, looked up in the work copy's mask as {@code cv2.INTER_NEAREST} would
     * resize it.
     */
    public static boolean[] squareField(SquareGeometry geometry, FieldOfView.WorkCopy work, int imageWidth, int imageHeight, int size,
            boolean padSquare) {
        Box box = geometry.box();
        int[] xs = new int[size];
        int[] ys = new int[size];
        for (int i = 0; i < size; i++) {
            double x = padSquare ? box.x0() - geometry.padLeft() + (i + 0.5) * ((double) geometry.side() / size) - 0.5
                    : box.x0() + ((i + 0.5) * box.width()) / size - 0.5;
            double y = padSquare ? box.y0() - geometry.padTop() + (i + 0.5) * ((double) geometry.side() / size) - 0.5
                    : box.y0() + ((i + 0.5) * box.height()) / size - 0.5;
            xs[i] = (int) Math.floor(x + 0.5);
            ys[i] = (int) Math.floor(y + 0.5);
        }
        RgbImage small = work.small();
        boolean[] mask = work.mask();
        double columnStep = 1.0 / ((double) imageWidth / small.width());
        double rowStep = 1.0 / ((double) imageHeight / small.height());
        boolean[] field = new boolean[size * size];
        for (int y = 0; y < size; y++) {
            if (ys[y] < 0 || ys[y] >= imageHeight) {
                continue;
            }
            int sy = work.scale() < 1.0 ? Math.min((int) Math.floor(ys[y] * rowStep), small.height() - 1) : ys[y];
            for (int x = 0; x < size; x++) {
                if (xs[x] < 0 || xs[x] >= imageWidth) {
                    continue;
                }
                int sx = work.scale() < 1.0 ? Math.min((int) Math.floor(xs[x] * columnStep), small.width() - 1) : xs[x];
                field[y * size + x] = mask[sy * small.width() + sx];
            }
        }
        return field;
    }
}
