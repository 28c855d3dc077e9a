package org.edgeseg.fundus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.Test;

/**
 * {@link ModelInput#fromSquare} against {@code square_to_input} in {@code edgeseg/inference/runners.py} for
 * an NCHW model, on the {@code tall} golden photograph: Python's preprocessed square (its NHWC
 * input, {@code input_f32.bin.gz}) laid out by the Java code as NCHW equals Python's NCHW input
 * ({@code input_nchw_f32.bin.gz}), value for value. Starting from Python's square keeps a layout
 * fault apart from a preprocessing one, which {@link PreprocessingGoldenTest} catches.
 */
public class ModelInputGoldenTest {
    private static final String CASE = "tall";

    @Test
    public void nchwInputEqualsPython() throws IOException {
        Map<String, Object> golden = GoldenFiles.json(CASE + "/golden.json");
        int size = GoldenFiles.metadata().inputSize();
        Map<?, ?> nhwc = (Map<?, ?>) golden.get("input");
        Map<?, ?> nchw = (Map<?, ?>) golden.get("input_nchw");
        assertEquals("golden.json layout", "nhwc", golden.get("layout"));
        assertArrayEquals("NHWC input shape", new int[] {1, size, size, 3}, PreprocessingGoldenTest.ints(nhwc.get("shape")));
        assertEquals("input_nchw layout", "nchw", nchw.get("layout"));
        assertArrayEquals("NCHW input shape", new int[] {1, 3, size, size}, PreprocessingGoldenTest.ints(nchw.get("shape")));
        RgbImage square = squareOf(GoldenFiles.floatsGz(CASE + "/" + nhwc.get("file")), size);

        float[] actual = ModelInput.fromSquare(square, Layout.parse((String) nchw.get("layout")));

        PreprocessingGoldenTest.assertSameInput(GoldenFiles.floatsGz(CASE + "/" + nchw.get("file")), actual);
    }

    /** The (size, size) RGB square whose NHWC float32 input is {@code nhwc} (whole values 0-255). */
    private static RgbImage squareOf(float[] nhwc, int size) {
        assertEquals("NHWC input length", size * size * 3, nhwc.length);
        byte[] pixels = new byte[nhwc.length];
        for (int i = 0; i < nhwc.length; i++) {
            assertTrue("NHWC value " + i + " is " + nhwc[i] + ", not a whole 0-255 value",
                    nhwc[i] >= 0f && nhwc[i] <= 255f && nhwc[i] == Math.round(nhwc[i]));
            pixels[i] = (byte) Math.round(nhwc[i]);
        }
        return new RgbImage(size, size, pixels);
    }
}
