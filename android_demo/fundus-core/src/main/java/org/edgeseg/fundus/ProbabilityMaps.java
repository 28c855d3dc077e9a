package org.edgeseg.fundus;

/**
 * One probability map per lesion channel at the model's resolution; mirrors
 * {@code output_to_maps} in {@code edgeseg/inference/runners.py}, which turns the {@code (1, ...)} output in
 * the file's layout into {@code (L, S, S)} maps.
 */
public final class ProbabilityMaps {
    private final float[][] maps;
    private final int size;

    private ProbabilityMaps(float[][] maps, int size) {
        this.maps = maps;
        this.size = size;
    }

    /** {@code output_to_maps(output, layout)} for a flattened output of {@code lesions * size * size} floats. */
    public static ProbabilityMaps fromOutput(float[] output, int size, int lesions, Layout layout) {
        int pixels = size * size;
        if (output.length != pixels * lesions) {
            throw new IllegalArgumentException("output has " + output.length + " values, expected " + lesions + " x " + size + " x " + size);
        }
        float[][] maps = new float[lesions][pixels];
        for (int l = 0; l < lesions; l++) {
            for (int i = 0; i < pixels; i++) {
                maps[l][i] = output[layout == Layout.NHWC ? i * lesions + l : l * pixels + i];
            }
        }
        return new ProbabilityMaps(maps, size);
    }

    public int size() {
        return size;
    }

    public int channels() {
        return maps.length;
    }

    /** The map of lesion channel {@code channel}, row-major (shared, not copied). */
    public float[] channel(int channel) {
        return maps[channel];
    }
}
