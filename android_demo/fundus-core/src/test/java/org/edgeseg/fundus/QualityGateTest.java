package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** {@link QualityGate} beyond the goldens: inclusive bounds in both directions, validation, the message. */
public class QualityGateTest {
    private static Map<String, Double> measures(double sharpness, double clipped, double coverage) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("sharpness", sharpness);
        values.put("contrast", 0.0);
        values.put("brightness", 0.0);
        values.put("clipped", clipped);
        values.put("coverage", coverage);
        values.put("blockiness", 99.0);
        return values;
    }

    @Test
    public void boundsAreInclusiveAndReasonsInMeasuresOrder() {
        QualityGate gate = QualityGate.fromMetadataJson(
                "{\"quality_gate\": {\"coverage\": {\"min\": 0.9}, \"clipped\": {\"max\": 0.05}, \"sharpness\": {\"min\": 0.2}}}");
        assertEquals(List.of(), gate.reasons(measures(0.2, 0.05, 0.9)));
        assertEquals(List.of("blurred", "over-exposed", "retina cut by the frame"), gate.reasons(measures(0.19999, 0.05001, 0.89)));
    }

    @Test
    public void rejectsWhatPythonRejects() {
        IllegalArgumentException wrongDirection = assertThrows(IllegalArgumentException.class,
                () -> QualityGate.fromMetadataJson("{\"quality_gate\": {\"sharpness\": {\"max\": 0.1}}}"));
        assertTrue(wrongDirection.getMessage(), wrongDirection.getMessage().startsWith("quality_gate: 'sharpness'"));
        assertThrows(IllegalArgumentException.class, () -> QualityGate.fromMetadataJson("{\"quality_gate\": {\"focus\": {\"min\": 0.1}}}"));
        assertThrows(IllegalArgumentException.class,
                () -> QualityGate.fromMetadataJson("{\"quality_gate\": {\"sharpness\": {\"min\": 0.1, \"max\": 0.9}}}"));
        assertNull(QualityGate.fromMetadataJson("{\"quality_gate\": {}}"));
        assertNull(QualityGate.fromMetadataJson("{}"));
    }

    @Test
    public void retakeMessage() {
        assertEquals("retake: blurred, too dark (ungradable: no verdict)", QualityGate.retakeMessage(List.of("blurred", "too dark")));
    }

    @Test
    public void blackImageHasNoFieldOfView() {
        QualityMeasures measures = QualityMeasures.measure(RgbImage.black(40, 30));
        assertEquals(Map.of("sharpness", 0.0, "contrast", 0.0, "brightness", 0.0, "clipped", 0.0, "coverage", 0.0, "blockiness", 1.0),
                measures.asMap());
    }
}
