package org.edgeseg.fundus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * The Java preprocessing against edgeseg's Python ({@code Preprocessing.geometry} and
 * {@code image_to_square}, then {@code square_to_input}) on the golden photographs: one shrunk
 * to the model size, one enlarged, one wider than the 512 px field-of-view work copy.
 *
 * <p>Tolerances: the field-of-view box, the square's padding and side are exactly equal; the
 * model input is exactly equal, value for value ({@value #MAX_ABS_DIFFERENCE} of 255), because
 * the resize, Lab and CLAHE ports reproduce OpenCV's integer and float arithmetic bit for bit.
 */
@RunWith(Parameterized.class)
public class PreprocessingGoldenTest {
    /** The largest difference allowed between a Java and a Python model input value. */
    static final float MAX_ABS_DIFFERENCE = 0f;

    private final String photograph;

    public PreprocessingGoldenTest(String photograph) {
        this.photograph = photograph;
    }

    @Parameters(name = "{0}")
    public static List<String> photographs() {
        return Arrays.asList("photograph", "small", "wide");
    }

    @Test
    public void geometryEqualsPython() throws IOException {
        Map<String, Object> golden = GoldenFiles.json(photograph + "/golden.json");
        RgbImage image = GoldenFiles.png(photograph + "/input.png");
        SquareGeometry geometry = GoldenFiles.metadata().preprocessing().geometry(image);

        assertArrayEquals("field_of_view_box", ints(golden.get("field_of_view_box")), geometry.box().asArray());
        Map<?, ?> square = (Map<?, ?>) golden.get("square");
        assertEquals("square side", number(square.get("side")), geometry.side());
        assertEquals("pad_top", number(square.get("pad_top")), geometry.padTop());
        assertEquals("pad_left", number(square.get("pad_left")), geometry.padLeft());
    }

    @Test
    public void modelInputEqualsPython() throws IOException {
        ModelMetadata metadata = GoldenFiles.metadata();
        Map<String, Object> golden = GoldenFiles.json(photograph + "/golden.json");
        assertArrayEquals("input shape", new int[] {1, metadata.inputSize(), metadata.inputSize(), 3},
                ints(((Map<?, ?>) golden.get("input")).get("shape")));

        RgbImage square = metadata.preprocessing().imageToSquare(GoldenFiles.png(photograph + "/input.png"));
        float[] actual = ModelInput.fromSquare(square, metadata.layout());
        float[] expected = GoldenFiles.floatsGz(photograph + "/input_f32.bin.gz");

        assertEquals("input length", expected.length, actual.length);
        int differing = 0;
        float largest = 0f;
        int first = -1;
        for (int i = 0; i < expected.length; i++) {
            float difference = Math.abs(expected[i] - actual[i]);
            if (difference > MAX_ABS_DIFFERENCE) {
                differing++;
                first = first < 0 ? i : first;
            }
            largest = Math.max(largest, difference);
        }
        assertEquals(differing + " of " + expected.length + " input values differ from Python (largest difference " + largest
                + ", first at index " + first + ")", 0, differing);
    }

    static int[] ints(Object jsonArray) {
        return ((List<?>) jsonArray).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    static int number(Object jsonNumber) {
        return ((Number) jsonNumber).intValue();
    }
}
