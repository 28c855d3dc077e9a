package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.json.Json;

/**
 * What an app needs from the metadata that {@code edgeseg export} embeds in every exported file
 * ({@code build_metadata} in {@code edgeseg/export/metadata.py}, format {@value #FORMAT}): lesion
 * channel order and names, input size and layout, the preprocessing, thresholds, the research
 * notice, the task, the named outputs and, for a screening model, how to read its grades
 * ({@code grading_outputs}, {@code grading_metadata}).
 *
 * <p>Read tolerantly, as {@code info_from_metadata} in {@code edgeseg/inference/model_info.py}
 * and {@code screening_verdict} in {@code edgeseg/predict/verdict.py} read it: a file without
 * {@code task} is a segmentation model; a file without {@code outputs} (exported before grading
 * models existed) has the one output under {@code output}; a file without {@code grading}, or
 * without its {@code referable_threshold}, refers at {@value #DEFAULT_REFERABLE_THRESHOLD}.
 * A field that is present with the wrong type is an error.
 */
public final class ModelMetadata {
    /** {@code FORMAT} in {@code export/metadata.py}. */
    public static final String FORMAT = "edgeseg-export-v1";
    /** The task of a file that names none. */
    public static final String SEGMENTATION = "segmentation";
    /** The referral threshold of a file whose metadata gives none, as in {@code screening_verdict}. */
    public static final double DEFAULT_REFERABLE_THRESHOLD = 0.5;

    private final String model;
    private final String precision;
    private final List<String> lesions;
    private final Map<String, String> lesionNames;
    private final Layout layout;
    private final Preprocessing preprocessing;
    private final Map<String, Double> thresholds;
    private final String notice;
    private final String task;
    private final String inputName;
    private final List<ModelOutput> outputs;
    private final double referableThreshold;
    private final String referableDefinition;
    private final Grader grader;
    private final QualityGate qualityGate;

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
        inputName = input.containsKey("name") ? string(input, "name") : "image";
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
        task = json.containsKey("task") ? string(json, "task") : SEGMENTATION;
        outputs = parseOutputs(json);
        Map<String, Object> grading = json.get("grading") == null ? Collections.<String, Object>emptyMap() : object(json, "grading");
        referableThreshold = grading.get("referable_threshold") == null
                ? DEFAULT_REFERABLE_THRESHOLD : number(grading, "referable_threshold").doubleValue();
        referableDefinition = grading.get("referable_definition") == null ? "" : string(grading, "referable_definition");
        grader = json.get("grader") == null ? null : new Grader(object(json, "grader"));
        qualityGate = QualityGate.fromMetadata(json);
    }

    /**
     * The image-quality gate the model carries ({@code quality_gate}, {@code edgeseg/data/quality.py}),
     * or null: a photograph it stops gets "retake" and no verdict.
     */
    public QualityGate qualityGate() {
        return qualityGate;
    }

    /**
     * The grader on the findings a lesion model carries ({@code grader}, {@code edgeseg/screening/grader.py}),
     * or null: with it, {@link Findings} and the lesion summary give the screening verdict.
     */
    public Grader grader() {
        return grader;
    }

    /** The {@code outputs} list, or the single {@code output} of a file exported before it existed. */
    private static List<ModelOutput> parseOutputs(Map<String, Object> json) {
        List<?> items = json.containsKey("outputs") ? list(json, "outputs") : Collections.singletonList(require(json, "output"));
        List<ModelOutput> outputs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof Map)) {
                throw new IllegalArgumentException("metadata outputs: an entry is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) item;
            String name = string(entry, "name");
            if (names.contains(name)) {
                throw new IllegalArgumentException("metadata outputs: " + name + " is listed twice");
            }
            int[] shape = new int[0];
            if (entry.get("shape") != null) {
                List<?> dimensions = list(entry, "shape");
                shape = new int[dimensions.size()];
                for (int i = 0; i < shape.length; i++) {
                    if (!(dimensions.get(i) instanceof Number)) {
                        throw new IllegalArgumentException("metadata output " + name + ": shape holds a non-number");
                    }
                    shape[i] = ((Number) dimensions.get(i)).intValue();
                }
            }
            List<String> classes = new ArrayList<>();
            if (entry.get("classes") != null) {
                for (Object value : list(entry, "classes")) {
                    if (!(value instanceof String)) {
                        throw new IllegalArgumentException("metadata output " + name + ": classes holds a non-string");
                    }
                    classes.add((String) value);
                }
            }
            names.add(name);
            outputs.add(new ModelOutput(name, shape, classes));
        }
        if (!names.contains(ModelOutput.LESION_PROBS)) {
            throw new IllegalArgumentException("metadata outputs " + names + " have no " + ModelOutput.LESION_PROBS);
        }
        return Collections.unmodifiableList(outputs);
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

    /** {@code segmentation}, or {@code screening} for a model that also grades (the graded student). */
    public String task() {
        return task;
    }

    /** The name of the model's input in its TFLite signature, {@code image}. */
    public String inputName() {
        return inputName;
    }

    /** The model's outputs in the metadata's order: {@code lesion_probs} first, then any grades. */
    public List<ModelOutput> outputs() {
        return outputs;
    }

    /** The names of {@link #outputs()}, in the same order. */
    public List<String> outputNames() {
        List<String> names = new ArrayList<>();
        for (ModelOutput output : outputs) {
            names.add(output.name());
        }
        return names;
    }

    /** The output called {@code name}, or null when the model has none. */
    public ModelOutput output(String name) {
        for (ModelOutput output : outputs) {
            if (output.name().equals(name)) {
                return output;
            }
        }
        return null;
    }

    /** Whether the model gives all of {@link ModelOutput#GRADING_OUTPUTS}, and so a {@link ScreeningVerdict}. */
    public boolean grades() {
        return outputNames().containsAll(ModelOutput.GRADING_OUTPUTS);
    }

    /** The referral threshold chosen on validation: refer when {@code referable_prob} is at least this. */
    public double referableThreshold() {
        return referableThreshold;
    }

    /** What referable means, e.g. "DR grade >= 2 or DME risk == 2"; empty when the metadata does not say. */
    public String referableDefinition() {
        return referableDefinition;
    }

    /**
     * Checks a model's signature against this metadata: every listed output must be among
     * {@code signatureShapes} (output name to shape, as the TFLite interpreter reports its
     * signature's outputs, in any order), with the listed shape when the metadata lists one.
     *
     * @throws IllegalArgumentException naming the first output that is missing or shaped otherwise
     */
    public void requireOutputs(Map<String, int[]> signatureShapes) {
        for (ModelOutput output : outputs) {
            int[] actual = signatureShapes.get(output.name());
            if (actual == null) {
                throw new IllegalArgumentException("the model has no output " + output.name() + ", which its metadata lists (its outputs: "
                        + signatureShapes.keySet() + "); re-export it with `edgeseg export`");
            }
            if (output.shape().length > 0 && !Arrays.equals(actual, output.shape())) {
                throw new IllegalArgumentException("model output " + output.name() + " has shape " + Arrays.toString(actual)
                        + ", its metadata says " + Arrays.toString(output.shape()) + "; re-export it with `edgeseg export`");
            }
        }
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
