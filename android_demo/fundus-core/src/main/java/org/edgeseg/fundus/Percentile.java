package org.edgeseg.fundus;

/**
 * {@code np.percentile(values, q)} with numpy's default {@code method="linear"} for 8-bit values:
 * the sorted values at {@code floor((n - 1) * q / 100)} and the next one, interpolated as numpy's
 * {@code _lerp} does (from the upper value when the weight is at least one half).
 */
final class Percentile {
    private Percentile() {
    }

    static double of(int[] values, double q) {
        int[] histogram = new int[256];
        for (int value : values) {
            histogram[value]++;
        }
        int n = values.length;
        double virtualIndex = (n - 1) * (q / 100);
        if (virtualIndex >= n - 1) {
            return valueAt(histogram, n - 1);
        }
        int previous = (int) Math.floor(virtualIndex);
        double gamma = virtualIndex - previous;
        double a = valueAt(histogram, previous);
        double b = valueAt(histogram, previous + 1);
        double difference = b - a;
        return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
    }

    /** The {@code index}-th smallest value. */
    private static int valueAt(int[] histogram, int index) {
        int seen = 0;
        for (int value = 0; value < histogram.length; value++) {
            seen += histogram[value];
            if (seen > index) {
                return value;
            }
        }
        throw new IllegalArgumentException("index " + index + " past " + seen + " values");
    }
}
