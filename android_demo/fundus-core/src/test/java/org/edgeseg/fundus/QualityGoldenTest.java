package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

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
 * The Java image-quality measures and gate against edgeseg's Python ({@code measure_quality},
 * {@code MEASURES} and {@code QualityGate} in {@code edgeseg/data/quality.py}) on the golden
 * photographs of {@code golden/quality/cases.json}: the six measures ({@code clipped} and
 * {@code blockiness} exactly, the others within {@link QualityMeasures#RELATIVE_TOLERANCE},
 * justified in {@link QualityMeasures}), the intermediate quantities, and the reasons of the gate
 * read from {@code golden/quality/metadata.json}, word for word and in order; and the Java
 * {@code MEASURES} table and gate equal to Python's.
 */
@RunWith(Parameterized.class)
public class QualityGoldenTest {
    private final Map<?, ?> golden;

    public QualityGoldenTest(String name, Map<?, ?> golden) {
        this.golden = golden;
    }

    @Parameters(name = "{0}")
    public static List<Object[]> cases() throws IOException {
        List<Object[]> cases = new ArrayList<>();
        for (Object item : (List<?>) GoldenFiles.json("quality/cases.json").get("cases")) {
            Map<?, ?> golden = (Map<?, ?>) item;
            cases.add(new Object[] {golden.get("name"), golden});
        }
        return cases;
    }

    private QualityMeasures measure() throws IOException {
        RgbImage image = GoldenFiles.png("quality/" + golden.get("image"));
        assertEquals("width", ((Number) golden.get("width")).intValue(), image.width());
        assertEquals("height", ((Number) golden.get("height")).intValue(), image.height());
        return QualityMeasures.measure(image);
    }

    private static void assertClose(String message, double expected, double actual) {
        double difference = Math.abs(actual - expected);
        assertTrue(message + ": " + actual + ", Python " + expected + " (relative " + difference / Math.abs(expected) + ")",
                difference <= QualityMeasures.RELATIVE_TOLERANCE * Math.abs(expected));
    }

    @Test
    public void measuresEqualPython() throws IOException {
        QualityMeasures measures = measure();
        Map<?, ?> expected = (Map<?, ?>) golden.get("measures");
        assertEquals("measure names and order", new ArrayList<>(expected.keySet()), new ArrayList<>(measures.asMap().keySet()));
        for (String name : QualityMeasures.MEASURES.keySet()) {
            double value = ((Number) expected.get(name)).doubleValue();
            if (QualityMeasures.EXACT_MEASURES.contains(name)) {
                assertEquals(name, value, measures.get(name), 0.0);
            } else {
                assertClose(name, value, measures.get(name));
            }
        }
    }

    @Test
    public void intermediateQuantitiesEqualPython() throws IOException {
        Map<String, Number> details = measure().details();
        Map<?, ?> expected = (Map<?, ?>) golden.get("details");
        assertEquals("detail names", new ArrayList<>(expected.keySet()), new ArrayList<>(details.keySet()));
        for (Map.Entry<?, ?> entry : expected.entrySet()) {
            double value = ((Number) entry.getValue()).doubleValue();
            if ("enclosing_radius".equals(entry.getKey())) {
                assertClose("enclosing radius", value, details.get("enclosing_radius").doubleValue());
            } else {
                assertEquals(String.valueOf(entry.getKey()), value, details.get(entry.getKey()).doubleValue(), 0.0);
            }
        }
    }

    @Test
    public void reasonsEqualPython() throws IOException {
        QualityGate gate = QualityGate.fromMetadataJson(GoldenFiles.text("quality/metadata.json"));
        List<String> reasons = gate.reasons(measure());
        assertEquals(golden.get("reasons"), reasons);
        assertEquals("retake_message of quality.py", golden.get("message"), reasons.isEmpty() ? null : QualityGate.retakeMessage(reasons));
    }

    @Test
    public void reasonsOfPythonsMeasuresEqualPython() throws IOException {
        // The gate alone, on Python's own values: a value exactly at its bound passes.
        QualityGate gate = QualityGate.fromMetadataJson(GoldenFiles.text("quality/metadata.json"));
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) golden.get("measures")).entrySet()) {
            values.put((String) entry.getKey(), ((Number) entry.getValue()).doubleValue());
        }
        assertEquals(golden.get("reasons"), gate.reasons(values));
    }

    @Test
    public void measuresTableAndGateEqualPython() throws IOException {
        Map<String, Object> cases = GoldenFiles.json("quality/cases.json");
        assertEquals("MEASURES", cases.get("measures_table"), QualityMeasures.MEASURES);
        assertEquals("MEASURES order", new ArrayList<>(((Map<?, ?>) cases.get("measures_table")).keySet()),
                new ArrayList<>(QualityMeasures.MEASURES.keySet()));
        assertEquals("exact measures", cases.get("exact_measures"), QualityMeasures.EXACT_MEASURES);
        QualityGate gate = QualityGate.fromMetadataJson(GoldenFiles.text("quality/metadata.json"));
        Map<String, Double> bounds = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) cases.get("gate")).entrySet()) {
            bounds.put((String) entry.getKey(), ((Number) ((Map<?, ?>) entry.getValue()).values().iterator().next()).doubleValue());
        }
        assertEquals(bounds, gate.bounds());
        assertNull("a model without quality_gate has no gate", QualityGate.fromMetadataJson(GoldenFiles.text("metadata.json")));
    }
}
