package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The Java post-processing against {@code lesion_summary} in {@code edgeseg/export/golden.py} on the
 * golden probability map: thresholds from the metadata, masks at the model's resolution, and
 * per lesion the area in pixels and the number of 8-connected components, all exactly equal.
 */
public class LesionSummaryGoldenTest {
    @Test
    public void areasAndComponentsEqualPython() throws IOException {
        ModelMetadata metadata = GoldenFiles.metadata();
        Map<String, Object> golden = GoldenFiles.json("photograph/golden.json");
        float[] output = GoldenFiles.floatsGz("photograph/output_f32.bin.gz");

        ProbabilityMaps maps = ProbabilityMaps.fromOutput(output, metadata.inputSize(), metadata.lesions().size(), metadata.layout());
        List<LesionFinding> findings = LesionSummary.of(maps, metadata.lesions(), metadata.thresholds());

        Map<?, ?> summary = (Map<?, ?>) golden.get("lesion_summary");
        assertEquals(metadata.lesions().size(), findings.size());
        for (LesionFinding finding : findings) {
            Map<?, ?> expected = (Map<?, ?>) summary.get(finding.lesion());
            assertEquals(finding.lesion() + " threshold", ((Number) expected.get("threshold")).doubleValue(), finding.threshold(), 0.0);
            assertEquals(finding.lesion() + " area_pixels", ((Number) expected.get("area_pixels")).intValue(), finding.areaPixels());
            assertEquals(finding.lesion() + " components", ((Number) expected.get("components")).intValue(), finding.components());
        }
    }

    @Test
    public void thresholdsComeFromTheMetadata() throws IOException {
        Map<?, ?> golden = (Map<?, ?>) GoldenFiles.json("photograph/golden.json").get("thresholds");
        ModelMetadata metadata = GoldenFiles.metadata();
        for (String lesion : metadata.lesions()) {
            assertEquals(lesion, ((Number) golden.get(lesion)).doubleValue(), metadata.thresholds().get(lesion), 0.0);
        }
    }

    @Test
    public void nchwOutputGivesTheSameMaps() {
        float[] nhwc = {0.1f, 0.9f, 0.2f, 0.8f, 0.3f, 0.7f, 0.4f, 0.6f};
        float[] nchw = {0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.8f, 0.7f, 0.6f};
        ProbabilityMaps a = ProbabilityMaps.fromOutput(nhwc, 2, 2, Layout.NHWC);
        ProbabilityMaps b = ProbabilityMaps.fromOutput(nchw, 2, 2, Layout.NCHW);
        for (int channel = 0; channel < 2; channel++) {
            org.junit.Assert.assertArrayEquals(a.channel(channel), b.channel(channel), 0f);
        }
    }

    @Test
    public void aProbabilityEqualToTheFloatThresholdIsInTheMask() {
        // numpy compares float32 maps with the threshold rounded to float32: 0.3f >= 0.3 is True there.
        ProbabilityMaps maps = ProbabilityMaps.fromOutput(new float[] {0.3f, 0.29999998f, 0f, 0.3f}, 2, 1, Layout.NHWC);
        LesionFinding finding = LesionSummary.of(maps, List.of("MA"), Map.of("MA", 0.3)).get(0);
        assertEquals(2, finding.areaPixels());
        assertEquals(1, finding.components()); // (0, 0) and (1, 1) touch diagonally: 8-connected
    }
}
