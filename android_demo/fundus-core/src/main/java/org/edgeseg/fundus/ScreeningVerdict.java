package org.edgeseg.fundus;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The screening verdict of a model that grades (the graded student), the port of
 * {@code screening_verdict} and {@code verdict_lines} in {@code edgeseg/predict/verdict.py}:
 * DR grade = argmax of {@code dr_probs}, DME risk = argmax of {@code dme_probs}, referral when
 * {@code referable_prob} is at least the referral threshold the model card chose on validation,
 * or when the grades themselves are referable ({@code advises_referral} in {@code edgeseg/outputs.py}),
 * so that the advice never contradicts the grades beside it.
 *
 * <p>Exactly as Python decides: an argmax tie goes to the lowest class ({@code numpy.argmax}
 * takes the first maximum); NaN or infinite grades are an error, not a verdict (a NaN referral
 * probability would otherwise read as "no referral"); the probability is the float32
 * output widened to a double and compared with the threshold as doubles (Python's {@code float}),
 * not in float32, so a probability of 0.7f (0.699999988...) is below a threshold of 0.7; the
 * probability is printed with two decimals rounded half to even ({@link PythonFormat}).
 */
public final class ScreeningVerdict {
    /** {@code DR_NAMES}: the DR grades 0 to 4 (IDRiD grading protocol). */
    public static final List<String> DR_NAMES = Collections.unmodifiableList(
            Arrays.asList("no DR", "mild NPDR", "moderate NPDR", "severe NPDR", "PDR"));
    /** {@code DME_NAMES}: the DME risks 0 to 2. */
    public static final List<String> DME_NAMES = Collections.unmodifiableList(
            Arrays.asList("no DME risk", "exudates away from the macula", "exudates near the macula"));

    /** {@code REFERABLE_DR} of {@code edgeseg/outputs.py}: DR grade 2 (moderate NPDR) or worse is referable. */
    public static final int REFERABLE_DR_GRADE = 2;
    /** {@code REFERABLE_DME} of {@code edgeseg/outputs.py}: DME risk 2 (exudates near the macula) is referable. */
    public static final int REFERABLE_DME_RISK = 2;

    /** Python's {@code NON_FINITE}: the message of the error for NaN or infinite grades. */
    public static final String NON_FINITE = "the model gave NaN or infinite grades";

    private final int drGrade;
    private final int dmeRisk;
    private final double referableProbability;
    private final double referableThreshold;

    private ScreeningVerdict(int drGrade, int dmeRisk, double referableProbability, double referableThreshold) {
        this.drGrade = drGrade;
        this.dmeRisk = dmeRisk;
        this.referableProbability = referableProbability;
        this.referableThreshold = referableThreshold;
    }

    /**
     * The verdict from a model's outputs by name (float32 values as the interpreter wrote them);
     * null when {@code outputs} lacks any of {@link ModelOutput#GRADING_OUTPUTS}, as for a
     * segmentation model. The threshold is the metadata's {@link ModelMetadata#referableThreshold()}.
     */
    public static ScreeningVerdict fromOutputs(Map<String, float[]> outputs, ModelMetadata metadata) {
        if (!outputs.keySet().containsAll(ModelOutput.GRADING_OUTPUTS)) {
            return null;
        }
        return of(outputs.get(ModelOutput.DR_PROBS), outputs.get(ModelOutput.DME_PROBS), outputs.get(ModelOutput.REFERABLE_PROB),
                metadata.referableThreshold());
    }

    /**
     * The verdict from the three grading outputs: 5 DR grade probabilities, 3 DME risk
     * probabilities and the referral probability (the first value of {@code referableProb}).
     *
     * @throws IllegalArgumentException when an output has another number of values, or a NaN or
     *     infinite value ({@link #NON_FINITE}: the model is broken)
     */
    public static ScreeningVerdict of(float[] drProbs, float[] dmeProbs, float[] referableProb, double referableThreshold) {
        requireLength(ModelOutput.DR_PROBS, drProbs, DR_NAMES.size());
        requireLength(ModelOutput.DME_PROBS, dmeProbs, DME_NAMES.size());
        requireLength(ModelOutput.REFERABLE_PROB, referableProb, 1);
        for (float[] values : new float[][] {drProbs, dmeProbs, referableProb}) {
            for (float value : values) {
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException(NON_FINITE);
                }
            }
        }
        return new ScreeningVerdict(argmax(drProbs), argmax(dmeProbs), referableProb[0], referableThreshold);
    }

    /**
     * The verdict from a grader's probabilities ({@link Grader#grade}: {@code dr_probs},
     * {@code dme_probs}, {@code referable_prob}, in double precision as Python computes them).
     */
    public static ScreeningVerdict fromGrader(Map<String, double[]> graded, double referableThreshold) {
        double[] dr = graded.get(ModelOutput.DR_PROBS);
        double[] dme = graded.get(ModelOutput.DME_PROBS);
        return new ScreeningVerdict(argmax(dr), argmax(dme), graded.get(ModelOutput.REFERABLE_PROB)[0], referableThreshold);
    }

    /** {@code numpy.argmax} of finite values: the index of the first maximum. */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@link #argmax(double[])} of float32 values (widened exactly: the same order and ties). */
    static int argmax(float[] values) {
        double[] widened = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            widened[i] = values[i];
        }
        return argmax(widened);
    }

    private static void requireLength(String name, float[] values, int length) {
        if (values.length != length) {
            throw new IllegalArgumentException(name + " has " + values.length + " values, a screening model gives " + length);
        }
    }

    /** The DR grade, 0 (no DR) to 4 (PDR). */
    public int drGrade() {
        return drGrade;
    }

    /** The DR grade's name, e.g. "moderate NPDR". */
    public String drName() {
        return DR_NAMES.get(drGrade);
    }

    /** The DME risk, 0 (none) to 2 (exudates near the macula). */
    public int dmeRisk() {
        return dmeRisk;
    }

    /** The DME risk's name, e.g. "exudates away from the macula". */
    public String dmeName() {
        return DME_NAMES.get(dmeRisk);
    }

    /** The model's probability that the photograph is referable (its float32 output, widened). */
    public double referableProbability() {
        return referableProbability;
    }

    /** The threshold it was compared with. */
    public double referableThreshold() {
        return referableThreshold;
    }

    /** Whether to refer: the probability is at least the threshold, or the grades are referable. */
    public boolean refer() {
        return referableProbability >= referableThreshold || gradesReferable();
    }

    /** Whether the grades alone make the referral (the probability is below the threshold). */
    public boolean referByGrades() {
        return !(referableProbability >= referableThreshold) && gradesReferable();
    }

    private boolean gradesReferable() {
        return drGrade >= REFERABLE_DR_GRADE || dmeRisk == REFERABLE_DME_RISK;
    }

    /**
     * Python's {@code verdict_lines}: "DR grade 2 (moderate NPDR), DME risk 1" and
     * "referral probability 0.83: refer" (or "refer (the grades are referable)", or "no referral").
     */
    public List<String> lines() {
        String advice = referByGrades() ? "refer (the grades are referable)" : refer() ? "refer" : "no referral";
        return Collections.unmodifiableList(Arrays.asList(
                "DR grade " + drGrade + " (" + drName() + "), DME risk " + dmeRisk,
                "referral probability " + PythonFormat.fixed(referableProbability, 2) + ": " + advice));
    }

    @Override
    public String toString() {
        return String.join("; ", lines());
    }
}
