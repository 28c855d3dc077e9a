package org.edgeseg.fundus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * The Java preprocessing against edgeseg's Python ({@code Preprocessing.geometry},
 * {@code pad_to_square} and {@code image_to_square}, then {@code square_to_input}) on the golden
 * photographs: one shrunk to the model size, one enlarged, one wider than the 512 px
 * field-of-view work copy, and two whose boxes need an odd padding, {@code tall} on the left and
 * {@code flat} at the top, so that a padding at 0 or rounded up differs from Python's.
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
        return Arrays.asList("photograph", "small", "wide", "tall", "flat");
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
    public void squareIsPaddedWherePythonPadsIt() throws IOException {
        Map<String, Object> golden = GoldenFiles.json(photograph + "/golden.json");
        int[] box = ints(golden.get("field_of_view_box"));
        Map<?, ?> square = (Map<?, ?>) golden.get("square");
        int top = number(square.get("pad_top"));
        int left = number(square.get("pad_left"));
        RgbImage cropped = GoldenFiles.png(photograph + "/input.png").crop(new Box(box[0], box[1], box[2], box[3]));

        RgbImage padded = ImageTransforms.padToSquare(cropped);

        assertEquals("square width", number(square.get("side")), padded.width());
        assertEquals("square height", number(square.get("side")), padded.height());
        for (int y = 0; y < padded.height(); y++) {
            for (int x = 0; x < padded.width(); x++) {
                boolean inside = x >= left && x < left + cropped.width() && y >= top && y < top + cropped.height();
                for (int c = 0; c < 3; c++) {
                    int expected = inside ? cropped.get(x - left, y - top, c) : 0;
                    if (padded.get(x, y, c) != expected) {
                        fail("square pixel (x " + x + ", y " + y + ", channel " + c + ") is " + padded.get(x, y, c) + ", expected "
                                + expected + " with the crop at Python's pad_left " + left + ", pad_top " + top);
                    }
                }
            }
        }
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
        assertSameInput(expected, actual);
    }

    /** {@code actual} equals {@code expected} value for value, within {@link #MAX_ABS_DIFFERENCE}. */
    static void assertSameInput(float[] expected, float[] actual) {
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
