package org.edgeseg.fundus;

/**
 * One lesion type in one photograph: its threshold, the binary mask at the model's resolution,
 * the area in pixels and the number of 8-connected components; one entry of
 * {@code lesion_summary} in {@code edgeseg/export/golden.py}.
 */
public final class LesionFinding {
    private final String lesion;
    private final double threshold;
    private final boolean[] mask;
    private final int areaPixels;
    private final int components;

    LesionFinding(String lesion, double threshold, boolean[] mask, int areaPixels, int components) {
        this.lesion = lesion;
        this.threshold = threshold;
        this.mask = mask;
        this.areaPixels = areaPixels;
        this.components = components;
    }

    /** The lesion code: MA, HE, EX, SE (or OD). */
    public String lesion() {
        return lesion;
    }

    public double threshold() {
        return threshold;
    }

    /** Pixels at or above the threshold, row-major at the model's resolution (shared, not copied). */
    public boolean[] mask() {
        return mask;
    }

    public int areaPixels() {
        return areaPixels;
    }

    public int components() {
        return components;
    }
}
