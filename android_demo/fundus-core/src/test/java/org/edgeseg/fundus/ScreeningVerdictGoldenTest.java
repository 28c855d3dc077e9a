package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * The Java verdict against edgeseg's Python ({@code screening_verdict} and {@code verdict_lines}
 * in {@code edgeseg/predict/verdict.py}) on the golden grading outputs of
 * {@code golden/screening/cases.json}, each read with the metadata file the case names: the DR
 * grade and DME risk with their names (argmax ties included), the referral probability, threshold
 * and decision (at, just below and just above the threshold), and the two lines of text, all
 * exactly equal. A case without grading outputs gives no verdict in both languages; NaN or
 * infinite grades are an error with Python's message in both.
 */
@RunWith(Parameterized.class)
public class ScreeningVerdictGoldenTest {
    private final Map<?, ?> golden;

    public ScreeningVerdictGoldenTest(String name, Map<?, ?> golden) {
        this.golden = golden;
    }

    @Parameters(name = "{0}")
    public static List<Object[]> cases() throws IOException {
        List<Object[]> cases = new ArrayList<>();
        for (Object item : (List<?>) GoldenFiles.json("screening/cases.json").get("verdicts")) {
            Map<?, ?> golden = (Map<?, ?>) item;
            cases.add(new Object[] {golden.get("name"), golden});
        }
        return cases;
    }

    @Test
    public void nonFiniteGradesAreTheSameError() throws IOException {
        Object error = golden.get("error");
        if (error == null) {
            verdict();  // no error where Python gives none
            return;
        }
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, this::verdict);
        assertEquals(error, thrown.getMessage());
    }

    @Test
    public void gradesEqualPython() throws IOException {
        if (golden.get("error") != null) {
            return;  // nonFiniteGradesAreTheSameError
        }
        ScreeningVerdict verdict = verdict();
        Map<?, ?> expected = (Map<?, ?>) golden.get("verdict");
        if (expected == null) {
            assertNull("Python gives no verdict", verdict);
            return;
        }
        assertNotNull("Python gives a verdict", verdict);
        assertEquals("dr_grade", number(expected.get("dr_grade")), verdict.drGrade(), 0.0);
        assertEquals("dr_name", expected.get("dr_name"), verdict.drName());
        assertEquals("dme_risk", number(expected.get("dme_risk")), verdict.dmeRisk(), 0.0);
        assertEquals("dme_name", expected.get("dme_name"), verdict.dmeName());
    }

    @Test
    public void referralEqualsPython() throws IOException {
        if (golden.get("error") != null) {
            return;
        }
        ScreeningVerdict verdict = verdict();
        Map<?, ?> expected = (Map<?, ?>) golden.get("verdict");
        if (expected == null) {
            assertNull("Python gives no verdict", verdict);
            return;
        }
        assertNotNull("Python gives a verdict", verdict);
        // Double.compare tells NaN and -0.0 apart, which assertEquals with a delta would not.
        assertEquals("referable_prob " + verdict.referableProbability(), 0,
                Double.compare(number(expected.get("referable_prob")), verdict.referableProbability()));
        assertEquals("referable_threshold", 0, Double.compare(number(expected.get("referable_threshold")), verdict.referableThreshold()));
        assertEquals("refer at probability " + verdict.referableProbability() + ", threshold " + verdict.referableThreshold(),
                expected.get("refer"), verdict.refer());
        assertEquals("referred by the grades alone", expected.get("refer_by_grades"), verdict.referByGrades());
    }

    @Test
    public void linesEqualPython() throws IOException {
        if (golden.get("error") != null) {
            return;
        }
        ScreeningVerdict verdict = verdict();
        List<?> expected = (List<?>) golden.get("lines");
        assertEquals(expected, verdict == null ? List.of() : verdict.lines());
    }

    /** The Java verdict from the case's outputs (float32, as the interpreter writes them) and metadata file. */
    private ScreeningVerdict verdict() throws IOException {
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text((String) golden.get("metadata")));
        Map<String, float[]> outputs = new LinkedHashMap<>();
        for (Map.Entry<?, ?> output : ((Map<?, ?>) golden.get("outputs")).entrySet()) {
            List<?> values = (List<?>) output.getValue();
            float[] floats = new float[values.size()];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = (float) number(values.get(i));
            }
            outputs.put((String) output.getKey(), floats);
        }
        return ScreeningVerdict.fromOutputs(outputs, metadata);
    }

    /** A golden number: a JSON number (the float32's exact value), or "NaN", "Infinity", "-Infinity". */
    static double number(Object value) {
        return value instanceof String ? Double.parseDouble((String) value) : ((Number) value).doubleValue();
    }
}
