package org.edgeseg.fundus;

import static org.edgeseg.fundus.GoldenFiles.number;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * {@link Screening}, the one call an app makes after the model, against {@code edgeseg predict}'s
 * verdict, lesion summary and words on the golden photographs of {@code golden/findings/} with
 * the metadata that carries a grader ({@code findings/metadata.json}); and its quality gate on the
 * golden photographs of {@code golden/quality/}.
 */
@RunWith(Parameterized.class)
public class ScreeningGoldenTest {
    private final Map<?, ?> golden;

    public ScreeningGoldenTest(String name, Map<?, ?> golden) {
        this.golden = golden;
    }

    @Parameters(name = "{0}")
    public static List<Object[]> cases() throws IOException {
        return GoldenFiles.cases("findings/cases.json");
    }

    /** The golden (lesions, size, size) maps as the model's lesion output in the metadata's layout. */
    private static float[] lesionOutput(float[] maps, int lesions, int size, Layout layout) {
        if (layout == Layout.NCHW) {
            return maps;
        }
        float[] output = new float[maps.length];
        for (int lesion = 0; lesion < lesions; lesion++) {
            for (int pixel = 0; pixel < size * size; pixel++) {
                output[pixel * lesions + lesion] = maps[lesion * size * size + pixel];
            }
        }
        return output;
    }

    /** {@link Screening#of} on this case's photograph and golden maps, as the model's output in {@code metadata}'s layout. */
    private Screening screen(ModelMetadata metadata) throws IOException {
        RgbImage image = GoldenFiles.png("findings/" + golden.get("image"));
        Map<String, float[]> outputs = new LinkedHashMap<>();
        outputs.put(ModelOutput.LESION_PROBS, lesionOutput(GoldenFiles.floatsGz("findings/" + golden.get("maps")), metadata.lesions().size(),
                metadata.inputSize(), metadata.layout()));
        return Screening.of(image, metadata.preprocessing().prepare(image), outputs, metadata);
    }

    @Test
    public void verdictSummaryAndWordsArePredicts() throws IOException {
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("findings/metadata.json"));
        assertNotNull("the findings metadata carries a grader", metadata.grader());
        Screening screening = screen(metadata);

        Map<?, ?> verdict = (Map<?, ?>) golden.get("verdict");
        assertEquals("DR grade", ((Number) verdict.get("dr_grade")).intValue(), screening.verdict.drGrade());
        assertEquals("DME risk", ((Number) verdict.get("dme_risk")).intValue(), screening.verdict.dmeRisk());
        assertEquals("referral probability", number(verdict.get("referable_prob")), screening.verdict.referableProbability(), 1e-9);
        assertEquals("referral threshold", number(verdict.get("referable_threshold")), screening.verdict.referableThreshold(), 0);
        assertEquals("refer", verdict.get("refer"), screening.verdict.refer());
        assertEquals(golden.get("words"), screening.words);
        ((Map<?, ?>) golden.get("summary")).forEach((lesion, entry) -> ((Map<?, ?>) entry).forEach((key, value) -> {
            double actual = screening.summary.get(lesion).get(key);
            assertTrue(lesion + " " + key + ": " + actual + ", Python " + value, Math.abs(actual - number(value)) <= 1e-9 * Math.max(1, Math.abs(number(value))));
        }));
    }

    @Test
    public void withoutAGraderOrGradesThereIsNoVerdict() throws IOException {
        ModelMetadata metadata = GoldenFiles.metadata();
        Screening screening = screen(metadata);
        assertEquals(null, screening.verdict);
        assertEquals(golden.get("words"), screening.words);
    }

    @Test
    public void theQualityGateStopsWhatPythonStops() throws IOException {
        Map<String, Object> file = GoldenFiles.json("quality/cases.json");
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text("quality/metadata.json"));
        for (Object item : (List<?>) file.get("cases")) {
            Map<?, ?> quality = (Map<?, ?>) item;
            assertEquals(quality.get("name").toString(), quality.get("reasons"),
                    Screening.retakeReasons(GoldenFiles.png("quality/" + quality.get("image")), metadata));
        }
    }
}
