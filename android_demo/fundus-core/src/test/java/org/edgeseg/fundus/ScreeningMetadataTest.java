package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.json.Json;
import org.junit.Test;

/**
 * A screening model's metadata as the app uses it: read from the {@code .tflite}, its class names
 * those of the verdict, its signature checked against it, and a malformed grading section refused
 * with a message naming the field.
 */
public class ScreeningMetadataTest {
    /** The signature outputs of a graded export as LiteRT lists them: sorted by name, not in the metadata's order. */
    private static final String[] SIGNATURE_ORDER = {"dme_probs", "dr_probs", "lesion_probs", "referable_prob"};

    @Test
    public void tfliteCarriesTheScreeningMetadata() throws IOException {
        byte[] file = Files.readAllBytes(GoldenFiles.path("screening/model.tflite"));
        assertEquals(Json.parse(GoldenFiles.text("screening/metadata.json")), Json.parse(TfliteMetadataReader.read(file)));
        ModelMetadata metadata = ModelMetadata.fromTflite(file);
        assertTrue(metadata.grades());
        assertEquals("screening", metadata.task());
        assertEquals("image", metadata.inputName());
        assertEquals("DR grade >= 2 or DME risk == 2", metadata.referableDefinition());
    }

    @Test
    public void classesAreTheVerdictsNamesInOrder() throws IOException {
        Map<String, Object> cases = GoldenFiles.json("screening/cases.json");
        assertEquals("DR_NAMES of verdict.py", cases.get("dr_names"), ScreeningVerdict.DR_NAMES);
        assertEquals("DME_NAMES of verdict.py", cases.get("dme_names"), ScreeningVerdict.DME_NAMES);
        assertEquals("GRADING_OUTPUTS of outputs.py", cases.get("grading_outputs"), ModelOutput.GRADING_OUTPUTS);
        assertEquals("LESION_OUTPUT of outputs.py", cases.get("lesion_output"), ModelOutput.LESION_PROBS);
        Map<?, ?> rule = (Map<?, ?>) cases.get("referable_rule");
        assertEquals("REFERABLE_DR of outputs.py", ((Number) rule.get("dr_grade_at_least")).intValue(), ScreeningVerdict.REFERABLE_DR_GRADE);
        assertEquals("REFERABLE_DME of outputs.py", ((Number) rule.get("dme_risk_equal")).intValue(), ScreeningVerdict.REFERABLE_DME_RISK);
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("screening/metadata.json"));
        assertEquals(numbered(ScreeningVerdict.DR_NAMES), metadata.output(ModelOutput.DR_PROBS).classes());
        assertEquals(numbered(ScreeningVerdict.DME_NAMES), metadata.output(ModelOutput.DME_PROBS).classes());
    }

    @Test
    public void aGradedSignatureInAnyOrderPasses() throws IOException {
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("screening/metadata.json"));
        metadata.requireOutputs(signature(metadata, SIGNATURE_ORDER));
        ModelMetadata segmentation = GoldenFiles.metadata();
        segmentation.requireOutputs(signature(metadata, SIGNATURE_ORDER));
        segmentation.requireOutputs(signature(segmentation, new String[] {"lesion_probs"}));
    }

    @Test
    public void aSignatureWithoutAListedOutputIsRefused() throws IOException {
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("screening/metadata.json"));
        Map<String, int[]> signature = signature(metadata, SIGNATURE_ORDER);
        signature.remove("referable_prob");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> metadata.requireOutputs(signature));
        assertTrue(error.getMessage(), error.getMessage().contains("no output referable_prob"));
    }

    @Test
    public void anOutputShapedOtherwiseIsRefused() throws IOException {
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("screening/metadata.json"));
        Map<String, int[]> signature = signature(metadata, SIGNATURE_ORDER);
        signature.put("dr_probs", new int[] {1, 4});
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> metadata.requireOutputs(signature));
        assertTrue(error.getMessage(), error.getMessage().contains("dr_probs has shape [1, 4], its metadata says [1, 5]"));
    }

    @Test
    public void aMalformedGradingSectionIsRefused() throws IOException {
        String text = GoldenFiles.text("screening/metadata.json");
        String[][] faults = {
            {"\"referable_threshold\": 0.4213", "\"referable_threshold\": \"0.4213\"", "referable_threshold is not a number"},
            {"\"grading\": {", "\"grading\": [], \"x\": {", "grading is not an object"},
            {"\"name\": \"dr_probs\"", "\"name\": 7", "name is not a string"},
            {"\"name\": \"lesion_probs\",", "\"name\": \"maps\",", "have no lesion_probs"},
            {"\"name\": \"dme_probs\"", "\"name\": \"dr_probs\"", "dr_probs is listed twice"},
        };
        for (String[] fault : faults) {
            assertTrue(fault[0], text.contains(fault[0]));
            String broken = text.replace(fault[0], fault[1]);
            IllegalArgumentException error = assertThrows(fault[1], IllegalArgumentException.class, () -> ModelMetadata.parse(broken));
            assertTrue(error.getMessage(), error.getMessage().contains(fault[2]));
        }
    }

    @Test
    public void aModelWithoutAllThreeGradingOutputsDoesNotGrade() throws IOException {
        String text = GoldenFiles.text("screening/metadata.json").replace("\"name\": \"referable_prob\"", "\"name\": \"referral\"");
        ModelMetadata metadata = ModelMetadata.parse(text);
        assertEquals("screening", metadata.task());
        assertFalse(metadata.grades());
    }

    private static List<String> numbered(List<String> names) {
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            classes.add(i + ": " + names.get(i));
        }
        return classes;
    }

    /** The output shapes a signature listing {@code names} gives: those of the metadata. */
    private static Map<String, int[]> signature(ModelMetadata metadata, String[] names) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String name : names) {
            ModelOutput output = metadata.output(name);
            shapes.put(name, output.shape());
        }
        return shapes;
    }
}
