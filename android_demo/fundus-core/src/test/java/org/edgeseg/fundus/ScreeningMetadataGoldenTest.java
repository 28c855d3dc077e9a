package org.edgeseg.fundus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * The Java metadata reader against what edgeseg's Python reads from the same files
 * ({@code info_from_metadata} in {@code edgeseg/inference/model_info.py}, the threshold
 * {@code screening_verdict} uses), from {@code golden/screening/cases.json}: a segmentation
 * model, a screening model (two referral thresholds), a screening model without its grading
 * section, and an old file without {@code outputs} or {@code task}. Task, output names in
 * order, their shapes and classes, whether the model grades and its referral threshold are
 * exactly equal.
 */
@RunWith(Parameterized.class)
public class ScreeningMetadataGoldenTest {
    private final Map<?, ?> golden;

    public ScreeningMetadataGoldenTest(String name, Map<?, ?> golden) {
        this.golden = golden;
    }

    @Parameters(name = "{0}")
    public static List<Object[]> files() throws IOException {
        List<Object[]> files = new ArrayList<>();
        for (Object item : (List<?>) GoldenFiles.json("screening/cases.json").get("metadata")) {
            Map<?, ?> golden = (Map<?, ?>) item;
            files.add(new Object[] {((String) golden.get("file")).replaceAll("\\W", "_"), golden});
        }
        return files;
    }

    @Test
    public void taskAndOutputsEqualPython() throws IOException {
        ModelMetadata metadata = metadata();
        assertEquals("task", golden.get("task"), metadata.task());
        List<?> expected = (List<?>) golden.get("outputs");
        List<String> names = new ArrayList<>();
        for (Object output : expected) {
            names.add((String) ((Map<?, ?>) output).get("name"));
        }
        assertEquals("output names in order", names, metadata.outputNames());
        for (int i = 0; i < expected.size(); i++) {
            Map<?, ?> output = (Map<?, ?>) expected.get(i);
            ModelOutput actual = metadata.outputs().get(i);
            assertEquals(actual.name() + " classes", output.get("classes"), actual.classes());
            List<?> shape = (List<?>) output.get("shape");
            int[] expectedShape = new int[shape.size()];
            for (int d = 0; d < expectedShape.length; d++) {
                expectedShape[d] = ((Number) shape.get(d)).intValue();
            }
            assertArrayEquals(actual.name() + " shape", expectedShape, actual.shape());
        }
    }

    @Test
    public void gradingEqualsPython() throws IOException {
        ModelMetadata metadata = metadata();
        assertEquals("grades", golden.get("grades"), metadata.grades());
        assertEquals("referable_threshold", 0, Double.compare(((Number) golden.get("referable_threshold")).doubleValue(),
                metadata.referableThreshold()));
    }

    private ModelMetadata metadata() throws IOException {
        return ModelMetadata.parse(GoldenFiles.text((String) golden.get("file")));
    }
}
