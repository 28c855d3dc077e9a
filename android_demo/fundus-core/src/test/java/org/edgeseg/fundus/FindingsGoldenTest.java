package org.edgeseg.fundus;

import static org.edgeseg.fundus.GoldenFiles.number;
import static org.junit.Assert.assertEquals;
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
 * The Java findings and grader against edgeseg's Python ({@code edgeseg/screening}) on the golden
 * photographs of {@code golden/findings/cases.json}: the square's field of view, the disc and the
 * fovea and the lesion counts exactly, the distances, areas, features and graded probabilities to
 * 1e-9, the words word for word; and the Java constants equal to Python's.
 */
@RunWith(Parameterized.class)
public class FindingsGoldenTest {
    private static final double TOLERANCE = 1e-9;
    private final Map<?, ?> golden;

    public FindingsGoldenTest(String name, Map<?, ?> golden) {
        this.golden = golden;
    }

    @Parameters(name = "{0}")
    public static List<Object[]> cases() throws IOException {
        return GoldenFiles.cases("findings/cases.json");
    }

    private static void close(String message, double expected, double actual) {
        assertTrue(message + ": " + actual + ", Python " + expected, Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)));
    }

    @Test
    public void constantsArePythons() throws IOException {
        Map<?, ?> constants = (Map<?, ?>) GoldenFiles.json("findings/cases.json").get("constants");
        assertEquals(number(constants.get("disc_diameter_share")), Findings.DISC_DIAMETER_SHARE, 0);
        assertEquals(number(constants.get("disc_inner")), Findings.DISC_INNER, 0);
        assertEquals(number(constants.get("disc_outer")), Findings.DISC_OUTER, 0);
        assertEquals(number(constants.get("fovea_distance")), Findings.FOVEA_DISTANCE, 0);
        assertEquals(number(constants.get("fovea_drop")), Findings.FOVEA_DROP, 0);
        assertEquals(number(constants.get("fovea_search")), Findings.FOVEA_SEARCH, 0);
        assertEquals(number(constants.get("min_field_share")), Findings.MIN_FIELD_SHARE, 0);
        assertEquals(constants.get("quadrants"), Findings.QUADRANTS);
        assertEquals(constants.get("quadrant_lesions"), Findings.QUADRANT_LESIONS);
        List<?> near = (List<?>) constants.get("near_dd");
        assertEquals(near.size(), Findings.NEAR_DD.length);
        for (int k = 0; k < near.size(); k++) {
            assertEquals(number(near.get(k)), Findings.NEAR_DD[k], 0);
        }
        assertEquals(GoldenFiles.json("findings/cases.json").get("feature_names"), new ArrayList<>(Grader.FEATURES.keySet()));
    }

    @Test
    public void findingsAndVerdictArePythons() throws IOException {
        Map<String, Object> file = GoldenFiles.json("findings/cases.json");
        ModelMetadata metadata = ModelMetadata.parse(GoldenFiles.text(file.get("metadata").toString())); // the golden folder's metadata.json
        Preprocessing preprocessing = metadata.preprocessing();
        int size = preprocessing.size();
        RgbImage image = GoldenFiles.png("findings/" + golden.get("image"));
        PreparedImage prepared = preprocessing.prepare(image);
        boolean[] field = Findings.squareField(prepared.geometry(), FieldOfView.WorkCopy.of(image), image.width(), image.height(), size, true);
        List<?> rows = (List<?>) golden.get("field_rows");
        for (int y = 0; y < size; y++) {
            int count = 0;
            for (int x = 0; x < size; x++) {
                count += field[y * size + x] ? 1 : 0;
            }
            assertEquals("field of view, square row " + y, ((Number) rows.get(y)).intValue(), count);
        }
        Findings.Anatomy anatomy = Findings.locateAnatomy(prepared.modelSquare(), field);
        Map<?, ?> expected = (Map<?, ?>) golden.get("anatomy");
        assertEquals("disc x", number(expected.get("disc_x")), anatomy.discX, 0);
        assertEquals("disc y", number(expected.get("disc_y")), anatomy.discY, 0);
        assertEquals("fovea x", number(expected.get("fovea_x")), anatomy.foveaX, 0);
        assertEquals("fovea y", number(expected.get("fovea_y")), anatomy.foveaY, 0);
        close("disc diameter", number(expected.get("disc_diameter")), anatomy.discDiameter);
        float[] flat = GoldenFiles.floatsGz("findings/" + golden.get("maps"));
        List<String> lesions = metadata.lesions();
        float[][] maps = new float[lesions.size()][];
        for (int index = 0; index < maps.length; index++) {
            maps[index] = java.util.Arrays.copyOfRange(flat, index * size * size, (index + 1) * size * size);
        }
        Map<String, Double> thresholds = new LinkedHashMap<>();
        ((Map<?, ?>) file.get("thresholds")).forEach((key, value) -> thresholds.put((String) key, number(value)));
        Findings findings = Findings.find(maps, lesions, thresholds, field, anatomy, size);
        ((Map<?, ?>) golden.get("lesions")).forEach((lesion, entry) -> {
            Map<?, ?> values = (Map<?, ?>) entry;
            assertEquals(lesion + " components", ((Number) values.get("components")).intValue(), findings.lesions.get(lesion).components);
            close(lesion + " area", number(values.get("area_share")), findings.lesions.get(lesion).areaShare);
            close(lesion + " largest probability", number(values.get("max_probability")), findings.lesions.get(lesion).maxProbability);
        });
        Map<String, Map<String, Integer>> perQuadrant = new LinkedHashMap<>();
        ((Map<?, ?>) golden.get("per_quadrant")).forEach((lesion, tally) -> {
            Map<String, Integer> counts = new LinkedHashMap<>();
            ((Map<?, ?>) tally).forEach((quadrant, count) -> counts.put((String) quadrant, ((Number) count).intValue()));
            perQuadrant.put((String) lesion, counts);
        });
        assertEquals(perQuadrant, findings.perQuadrant);
        close("nearest exudate (DD)", number(golden.get("exudate_distance_dd")), findings.exudateDistanceDd);
        Map<?, ?> within = (Map<?, ?>) golden.get("exudates_within_dd");
        close("exudates within 1 DD", number(within.get("1")), findings.exudatesWithin[0]);
        close("exudates within 2 DD", number(within.get("2")), findings.exudatesWithin[1]);
        Map<String, Map<String, Double>> summary = new LinkedHashMap<>();
        Map<String, Integer> components = new LinkedHashMap<>();
        ((Map<?, ?>) golden.get("summary")).forEach((lesion, entry) -> {
            Map<String, Double> values = new LinkedHashMap<>();
            ((Map<?, ?>) entry).forEach((key, value) -> values.put((String) key, number(value)));
            summary.put((String) lesion, values);
            components.put((String) lesion, (int) (double) values.get("components"));
        });
        assertEquals(golden.get("words"), findings.words(components));
        FieldOfView.WorkCopy work = FieldOfView.WorkCopy.of(image);
        Map<String, Map<String, Double>> measured = PhotographSummary.of(maps, size, lesions, thresholds, prepared.geometry(), image.width(),
                image.height(), PhotographSummary.fieldOfViewPixels(work, image.width(), image.height()));
        for (String lesion : lesions) {
            Map<String, Double> python = summary.get(lesion);
            assertEquals(lesion + " components on the photograph", python.get("components"), measured.get(lesion).get("components"));
            close(lesion + " area share on the photograph", python.get("area_share_of_fov"), measured.get(lesion).get("area_share_of_fov"));
            assertEquals(lesion + " largest probability on the photograph", python.get("max_probability"), measured.get(lesion).get("max_probability"), 0);
        }
        List<String> names = new ArrayList<>();
        for (Object name : (List<?>) file.get("feature_names")) {
            names.add((String) name);
        }
        Map<?, ?> graders = (Map<?, ?>) file.get("graders");
        double[] features = new Grader((Map<?, ?>) graders.get("softmax")).featureVector(findings, summary);
        Map<?, ?> expectedFeatures = (Map<?, ?>) golden.get("features");
        for (int j = 0; j < names.size(); j++) {
            close(names.get(j), number(expectedFeatures.get(names.get(j))), features[j]);
        }
        graders.forEach((name, data) -> {
            Map<String, double[]> graded = new Grader((Map<?, ?>) data).grade(findings, summary);
            Map<?, ?> pythons = (Map<?, ?>) ((Map<?, ?>) golden.get("graded")).get(name);
            for (String key : new String[] {"dr_probs", "dme_probs"}) {
                List<?> values = (List<?>) pythons.get(key);
                for (int k = 0; k < values.size(); k++) {
                    close(name + " " + key + "[" + k + "]", number(values.get(k)), graded.get(key)[k]);
                }
            }
            close(name + " referable_prob", number(pythons.get("referable_prob")), graded.get("referable_prob")[0]);
        });
    }
}
