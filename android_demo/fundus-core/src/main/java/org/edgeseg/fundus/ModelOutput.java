package org.edgeseg.fundus;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One named output of an exported model, an entry of the metadata's {@code outputs} list
 * ({@code build_metadata} and {@code grading_outputs} in {@code edgeseg/export/metadata.py}):
 * its name (the TFLite signature's output name), its shape and, for class outputs, its classes.
 * The names mirror {@code edgeseg/outputs.py}.
 */
public final class ModelOutput {
    /** {@code LESION_OUTPUT}: the lesion probability maps, one channel per lesion. */
    public static final String LESION_PROBS = "lesion_probs";
    /** Softmax probability per DR grade, 5 classes. */
    public static final String DR_PROBS = "dr_probs";
    /** Softmax probability per DME risk, 3 classes. */
    public static final String DME_PROBS = "dme_probs";
    /** The probability that the photograph is referable, one value. */
    public static final String REFERABLE_PROB = "referable_prob";
    /** {@code GRADING_OUTPUTS}: the outputs a screening model (the graded student) adds, in file order. */
    public static final List<String> GRADING_OUTPUTS = Collections.unmodifiableList(Arrays.asList(DR_PROBS, DME_PROBS, REFERABLE_PROB));

    private final String name;
    private final int[] shape;
    private final List<String> classes;

    ModelOutput(String name, int[] shape, List<String> classes) {
        this.name = name;
        this.shape = shape.clone();
        this.classes = Collections.unmodifiableList(classes);
    }

    /** The output's name, e.g. {@code dr_probs}. */
    public String name() {
        return name;
    }

    /** Its shape, e.g. {@code [1, 5]}; empty when the metadata gives none. */
    public int[] shape() {
        return shape.clone();
    }

    /** Its classes in value order, e.g. {@code "2: moderate NPDR"}; empty when the metadata gives none. */
    public List<String> classes() {
        return classes;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
