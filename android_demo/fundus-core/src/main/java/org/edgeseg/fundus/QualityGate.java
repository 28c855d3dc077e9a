package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.edgeseg.fundus.json.Json;

/**
 * The image-quality gate that says "retake" before any verdict; mirrors {@code QualityGate} in
 * {@code edgeseg/data/quality.py}. It holds a bound per measure, {@code {"sharpness": {"min":
 * 0.1}, "clipped": {"max": 0.05}, ...}}, carried in an exported file's metadata under
 * {@code quality_gate} ({@code build_metadata} in {@code edgeseg/export/metadata.py}); bounds are
 * inclusive: a value equal to its bound passes.
 */
public final class QualityGate {
    /** The metadata key. */
    public static final String KEY = "quality_gate";

    private final Map<String, Double> bounds;

    private QualityGate(Map<String, Double> bounds) {
        this.bounds = Collections.unmodifiableMap(bounds);
    }

    /**
     * {@code QualityGate.from_dict}: the gate of a {@code quality_gate} object, each measure with
     * the one bound its direction in {@link QualityMeasures#MEASURES} names.
     *
     * @throws IllegalArgumentException for an unknown measure or a bound of the wrong direction
     */
    public static QualityGate fromBounds(Map<?, ?> data) {
        Map<String, Double> bounds = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : data.entrySet()) {
            Object name = entry.getKey();
            List<String> measure = QualityMeasures.MEASURES.get(name);
            Object bound = entry.getValue();
            Map<?, ?> limits = bound instanceof Map ? (Map<?, ?>) bound : Map.of();
            Object value = measure == null ? null : limits.get(measure.get(0));
            if (measure == null || limits.size() != 1 || !(value instanceof Number)) {
                throw new IllegalArgumentException("quality_gate: '" + name + "' " + bound + ": expected one of "
                        + new ArrayList<>(new TreeSet<>(QualityMeasures.MEASURES.keySet())) + " with its max/min bound");
            }
            bounds.put((String) name, ((Number) value).doubleValue());
        }
        return new QualityGate(bounds);
    }

    /**
     * The gate an exported file's metadata carries (its {@code quality_gate}, as
     * {@code ModelInfo.quality_gate} reads it), or null when it carries none (or an empty one).
     */
    public static QualityGate fromMetadata(Map<String, Object> metadata) {
        Object data = metadata.get(KEY);
        if (data == null || (data instanceof Map && ((Map<?, ?>) data).isEmpty())) {
            return null;
        }
        if (!(data instanceof Map)) {
            throw new IllegalArgumentException("quality_gate: expected an object of bounds, got " + data);
        }
        return fromBounds((Map<?, ?>) data);
    }

    /** {@link #fromMetadata(Map)} of a metadata JSON document. */
    public static QualityGate fromMetadataJson(String json) {
        return fromMetadata(Json.parseObject(json));
    }

    /** The bound of {@code measure} (in the direction {@link QualityMeasures#MEASURES} gives it), or null when the gate has none. */
    public Double bound(String measure) {
        return bounds.get(measure);
    }

    /** The bounds by measure, in the metadata's order. */
    public Map<String, Double> bounds() {
        return bounds;
    }

    /** {@code QualityGate.reasons}: why the photograph cannot be graded (empty: it can), in {@link QualityMeasures#MEASURES} order. */
    public List<String> reasons(QualityMeasures measures) {
        return reasons(measures.asMap());
    }

    /** {@link #reasons(QualityMeasures)} of measures by name. */
    public List<String> reasons(Map<String, Double> measures) {
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, List<String>> entry : QualityMeasures.MEASURES.entrySet()) {
            Double bound = bounds.get(entry.getKey());
            if (bound == null) {
                continue;
            }
            String kind = entry.getValue().get(0);
            double value = measures.get(entry.getKey());
            if (("min".equals(kind) && value < bound) || ("max".equals(kind) && value > bound)) {
                found.add(entry.getValue().get(1));
            }
        }
        return found;
    }

    /** The line shown instead of results for {@code reasons}, as {@code edgeseg predict} prints it. */
    public static String retakeMessage(List<String> reasons) {
        return "retake: " + String.join(", ", reasons) + " (ungradable: no verdict)";
    }
}
