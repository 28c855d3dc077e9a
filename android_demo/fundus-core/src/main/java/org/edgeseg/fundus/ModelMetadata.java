package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.json.Json;

/**
 * What an app needs from the metadata that {@code edgeseg export} embeds in every exported file
 * ({@code build_metadata} in {@code export/metadata.py}, format {@value #FORMAT}): lesion channel
 * order and names, input size and layout, the preprocessing, thresholds and the research notice.
 */
public final class ModelMetadata {
    /** {@code FORMAT} in {@code export/metadata.py}. */
    public static final String FORMAT = "edgeseg-export-v1";

    private final String model;
    private final String precision;
    private final List<String> lesions;
    private final Map<String, String> lesionNames;
    private final Layout layout;
    private final Preprocessing preprocessing;
    private final Map<String, Double> thresholds;
    private final String notice;

    private ModelMetadata(Map<String, Object> json) {
        if (!FORMAT.equals(json.get("format"))) {
            throw new IllegalArgumentException("metadata format " + json.get("format") + ", expected " + FORMAT);
        }
        model = string(json, "model");
        precision = string(json, "precision");
        lesions = new ArrayList<>();
        for (Object lesion : list(json, "lesions")) {
            lesions.add((String) lesion);
        }
        lesionNames = new LinkedHashMap<>();
        Map<String, Object> names = object(json, "lesion_names");
        for (String lesion : lesions) {
            lesionNames.put(lesion, names.containsKey(lesion) ? (String) names.get(lesion) : lesion);
        }
        Map<String, Object> input = object(json, "input");
        layout = Layout.parse(string(input, "layout"));
        if (!"RGB".equals(input.get("colour_order")) || !java.util.Arrays.asList(0.0, 255.0).equals(input.get("value_range"))) {
            throw new IllegalArgumentException("model input must be RGB 0-255, got " + input.get("colour_order") + " " + input.get("value_range"));
        }
        Map<String, Object> steps = object(json, "preprocessing");
        Map<String, Object> clahe = object(steps, "clahe");
        preprocessing = new Preprocessing(
                number(steps, "size").intValue(),
                (Boolean) clahe.get("enabled"),
                number(clahe, "clip_limit").doubleValue(),
                number(clahe, "tile_grid").intValue(),
                (Boolean) steps.getOrDefault("fov_crop", Boolean.TRUE),
                (Boolean) steps.getOrDefault("pad_square", Boolean.TRUE));
        thresholds = new LinkedHashMap<>();
        Map<String, Object> cuts = object(json, "thresholds");
        for (String lesion : lesions) {
            thresholds.put(lesion, number(cuts, lesion).doubleValue());
        }
        notice = string(json, "notice");
    }

    /** Parses the metadata JSON text. */
    public static ModelMetadata parse(String json) {
        return new ModelMetadata(Json.parseObject(json));
    }

    /** The metadata embedded in the bytes of an exported {@code .tflite}. */
    public static ModelMetadata fromTflite(byte[] file) {
        return parse(TfliteMetadataReader.read(file));
    }

    /** The architecture the file was exported from, e.g. {@code u2xs}. */
    public String model() {
        return model;
    }

    /** {@code fp32}, {@code fp16}, {@code int8} or {@code int8-dynamic}. */
    public String precision() {
        return precision;
    }

    /** Lesion codes in output channel order. */
    public List<String> lesions() {
        return Collections.unmodifiableList(lesions);
    }

    /** The English name of {@code lesion}, e.g. "microaneurysms". */
    public String lesionName(String lesion) {
        return lesionNames.get(lesion);
    }

    public Layout layout() {
        return layout;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The input side in pixels. */
    public int inputSize() {
        return preprocessing.size();
    }

    /** The suggested probability threshold per lesion, in channel order. */
    public Map<String, Double> thresholds() {
        return Collections.unmodifiableMap(thresholds);
    }

    /** The research-use notice every exported file carries. */
    public String notice() {
        return notice;
    }

    private static String string(Map<String, Object> json, String key) {
        Object value = require(json, key);
        if (!(value instanceof String)) {
            throw new IllegalArgumentException("metadata field " + key + " is not a string");
        }
        return (String) value;
    }

    private static Number number(Map<String, Object> json, String key) {
        Object value = require(json, key);
        if (!(value instanceof Number)) {
            throw new IllegalArgumentException("metadata field " + key + " is not a number");
        }
        return (Number) value;
    }

    private static List<?> list(Map<String, Object> json, String key) {
        Object value = require(json, key);
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("metadata field " + key + " is not an array");
        }
        return (List<?>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> json, String key) {
        Object value = require(json, key);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("metadata field " + key + " is not an object");
        }
        return (Map<String, Object>) value;
    }

    private static Object require(Map<String, Object> json, String key) {
        if (!json.containsKey(key)) {
            throw new IllegalArgumentException("metadata has no field " + key);
        }
        return json.get(key);
    }
}
