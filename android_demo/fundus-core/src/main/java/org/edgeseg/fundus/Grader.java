package org.edgeseg.fundus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The grader on the findings, the port of {@code edgeseg/screening/grader.py}: logistic
 * regressions carried as data in the model's metadata ({@code grader}) on named features of the
 * {@link Findings} and of the photograph's lesion summary (per lesion {@code area_share_of_fov},
 * {@code components}, {@code max_probability}). Python, the page and this library compute the same
 * verdict from the same findings ({@code FindingsGoldenTest}).
 */
public final class Grader {
    private static final double AREA_EPS = 1e-4;
    private static final double NEAR_EPS = 1e-5;
    private static final double FAR_DD = 4.0;
    private static final List<String> LESIONS = Collections.unmodifiableList(Arrays.asList("MA", "HE", "EX", "SE"));

    /** {@code grader.FEATURES}, in Python's order. */
    public static final Map<String, BiFunction<Findings, Map<String, Map<String, Double>>, Double>> FEATURES = features();

    private static Map<String, BiFunction<Findings, Map<String, Map<String, Double>>, Double>> features() {
        Map<String, BiFunction<Findings, Map<String, Map<String, Double>>, Double>> table = new LinkedHashMap<>();
        for (String lesion : LESIONS) {
            table.put(lesion + "_log_area", (f, s) -> Math.log(s.get(lesion).get("area_share_of_fov") + AREA_EPS));
            table.put(lesion + "_log_count", (f, s) -> Math.log(s.get(lesion).get("components") + 1.0));
            table.put(lesion + "_max", (f, s) -> s.get(lesion).get("max_probability"));
        }
        table.put("HE_quadrants", (f, s) -> (double) f.quadrantsWith("HE"));
        table.put("HE_log_fewest_in_quadrant", (f, s) -> Math.log(1.0 + (f.perQuadrant.containsKey("HE")
                ? Collections.min(f.perQuadrant.get("HE").values()) : 0)));
        table.put("MA_quadrants", (f, s) -> (double) f.quadrantsWith("MA"));
        table.put("EX_distance_dd", (f, s) -> f.exudateDistanceDd == null ? FAR_DD : Math.min(f.exudateDistanceDd, FAR_DD));
        table.put("EX_log_within_1dd", (f, s) -> Math.log(f.exudatesWithin[0] + NEAR_EPS));
        table.put("EX_log_within_2dd", (f, s) -> Math.log(f.exudatesWithin[1] + NEAR_EPS));
        return Collections.unmodifiableMap(table);
    }

    private final List<String> featureNames;
    private final Map<?, ?> data;

    /** A grader from the metadata's {@code grader} entry (parsed JSON). */
    public Grader(Map<?, ?> data) {
        List<String> names = new ArrayList<>();
        for (Object name : (List<?>) data.get("features")) {
            if (!FEATURES.containsKey(name)) {
                throw new IllegalArgumentException("the grader reads an unknown feature " + name + "; use a current edgeseg library");
            }
            names.add((String) name);
        }
        this.featureNames = names;
        this.data = data;
    }

    public double referableThreshold() {
        return ((Number) data.get("referable_threshold")).doubleValue();
    }

    /** {@code grader.feature_vector}. */
    public double[] featureVector(Findings findings, Map<String, Map<String, Double>> summary) {
        double[] x = new double[featureNames.size()];
        for (int j = 0; j < x.length; j++) {
            x[j] = FEATURES.get(featureNames.get(j)).apply(findings, summary);
        }
        return x;
    }

    private static double[] logits(Map<?, ?> head, double[] x) {
        List<?> coef = (List<?>) head.get("coef");
        List<?> intercept = (List<?>) head.get("intercept");
        double[] out = new double[intercept.size()];
        for (int k = 0; k < out.length; k++) {
            List<?> row = (List<?>) coef.get(k);
            double sum = 0;
            for (int j = 0; j < x.length; j++) {
                sum += ((Number) row.get(j)).doubleValue() * x[j];
            }
            out[k] = sum + ((Number) intercept.get(k)).doubleValue();
        }
        return out;
    }

    private static double[] softmax(double[] values) {
        double top = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            top = Math.max(top, v);
        }
        double[] out = new double[values.length];
        double total = 0;
        for (int k = 0; k < values.length; k++) {
            out[k] = Math.exp(values[k] - top);
            total += out[k];
        }
        for (int k = 0; k < values.length; k++) {
            out[k] /= total;
        }
        return out;
    }

    private static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    /** {@code Grader.grade}: {@code dr_probs}, {@code dme_probs} and {@code referable_prob} (one value). */
    public Map<String, double[]> grade(Findings findings, Map<String, Map<String, Double>> summary) {
        double[] x = featureVector(findings, summary);
        Map<?, ?> dmeHead = (Map<?, ?>) data.get("dme");
        double[] dme;
        if (dmeHead.containsKey("presence")) { // grader.DmeByLocation
            double present = sigmoid(logits((Map<?, ?>) dmeHead.get("presence"), x)[0]);
            double nearDd = ((Number) dmeHead.get("near_dd")).doubleValue();
            int k = Arrays.binarySearch(Findings.NEAR_DD, nearDd);
            if (k < 0) {
                throw new IllegalArgumentException("the findings measure exudates within 1 and 2 DD, not " + nearDd);
            }
            double near = findings.exudatesWithin[k];
            dme = new double[3];
            dme[0] = 1.0 - present;
            dme[near > 0 && near >= ((Number) dmeHead.get("min_area")).doubleValue() ? 2 : 1] = present;
        } else {
            dme = softmax(logits(dmeHead, x));
        }
        Map<String, double[]> graded = new LinkedHashMap<>();
        graded.put(ModelOutput.DR_PROBS, softmax(logits((Map<?, ?>) data.get("dr"), x)));
        graded.put(ModelOutput.DME_PROBS, dme);
        graded.put(ModelOutput.REFERABLE_PROB, new double[] {sigmoid(logits((Map<?, ?>) data.get("referable"), x)[0])});
        return graded;
    }
}
