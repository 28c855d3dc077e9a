package org.edgeseg.fundus.opencv;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.GoldenFiles;
import org.edgeseg.fundus.RgbImage;
import org.junit.Test;

/**
 * The OpenCV ports against OpenCV itself ({@code golden/opencv/}, written by make_golden.py with
 * opencv-python): every output value exactly equal.
 */
public class OpenCvGoldenTest {
    @Test
    public void resizeEqualsOpenCv() throws IOException {
        for (Object item : (List<?>) cases().get("resize")) {
            Map<?, ?> c = (Map<?, ?>) item;
            RgbImage input = GoldenFiles.png("opencv/" + c.get("input"));
            int width = ((Number) c.get("width")).intValue();
            int height = ((Number) c.get("height")).intValue();
            Resize.Interpolation interpolation = "area".equals(c.get("interpolation")) ? Resize.Interpolation.AREA : Resize.Interpolation.LINEAR;
            assertSameImage(c.get("expected").toString(), GoldenFiles.png("opencv/" + c.get("expected")),
                    Resize.resize(input, width, height, interpolation));
        }
    }

    @Test
    public void rgbToLabEqualsOpenCv() throws IOException {
        Map<?, ?> lab = (Map<?, ?>) cases().get("lab");
        RgbImage chart = GoldenFiles.png("opencv/" + lab.get("input"));
        assertSameImage("RGB2LAB", GoldenFiles.png("opencv/" + lab.get("rgb_to_lab")), LabConversion.rgbToLab(chart));
    }

    @Test
    public void labToRgbEqualsOpenCv() throws IOException {
        Map<?, ?> lab = (Map<?, ?>) cases().get("lab");
        RgbImage chart = GoldenFiles.png("opencv/" + lab.get("input"));
        assertSameImage("LAB2RGB", GoldenFiles.png("opencv/" + lab.get("lab_to_rgb")), LabConversion.labToRgb(chart));
    }

    @Test
    public void claheEqualsOpenCv() throws IOException {
        for (Object item : (List<?>) cases().get("clahe")) {
            Map<?, ?> c = (Map<?, ?>) item;
            RgbImage input = GoldenFiles.png("opencv/" + c.get("input"));
            RgbImage expected = GoldenFiles.png("opencv/" + c.get("expected"));
            int[] plane = channel(input, 0);
            Clahe clahe = new Clahe(((Number) c.get("clip_limit")).doubleValue(), ((Number) c.get("tiles")).intValue());
            int[] actual = clahe.apply(plane, input.width(), input.height());
            int[] wanted = channel(expected, 0);
            int differing = 0;
            for (int i = 0; i < wanted.length; i++) {
                differing += wanted[i] != actual[i] ? 1 : 0;
            }
            assertEquals(c.get("expected") + ": pixels differing from OpenCV", 0, differing);
        }
    }

    private static Map<String, Object> cases() throws IOException {
        return GoldenFiles.json("opencv/cases.json");
    }

    private static int[] channel(RgbImage image, int c) {
        int[] plane = new int[image.width() * image.height()];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = image.get(i % image.width(), i / image.width(), c);
        }
        return plane;
    }

    private static void assertSameImage(String what, RgbImage expected, RgbImage actual) {
        assertEquals(what + " width", expected.width(), actual.width());
        assertEquals(what + " height", expected.height(), actual.height());
        byte[] e = expected.pixels();
        byte[] a = actual.pixels();
        int differing = 0;
        for (int i = 0; i < e.length; i++) {
            differing += e[i] != a[i] ? 1 : 0;
        }
        assertEquals(what + ": values differing from OpenCV", 0, differing);
    }
}
