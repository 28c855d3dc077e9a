package org.edgeseg.fundus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class OverlayRendererTest {
    private static final List<String> LESIONS = Arrays.asList("MA", "HE");
    // 2x2 maps, channel first: MA above threshold at pixel 0, HE at pixels 0 and 3.
    private static final float[] OUTPUT = {0.9f, 0f, 0f, 0f, 0.9f, 0f, 0f, 0.9f};

    @Test
    public void coloursAreThoseOfPredictPy() {
        assertArrayEquals(new int[] {0, 255, 255}, LesionColours.rgb("MA"));
        assertArrayEquals(new int[] {60, 255, 60}, LesionColours.rgb("HE"));
        assertArrayEquals(new int[] {40, 90, 255}, LesionColours.rgb("EX"));
        assertArrayEquals(new int[] {255, 0, 255}, LesionColours.rgb("SE"));
        assertEquals(0xFF285AFF, LesionColours.argb("EX"));
    }

    @Test
    public void shownLesionsAreTintedInChannelOrderAsRenderOverlayTintsThem() {
        RgbImage overlay = OverlayRenderer.render(grey(), findings(), Set.of("MA", "HE"));
        // numpy: overlay[mask] = (0.45 * overlay[mask] + 0.55 * colour).astype(np.uint8), MA then HE
        assertArrayEquals(new byte[] {53, (byte) 243, 97, 100, (byte) 200, 7, 100, (byte) 200, 7, 78, (byte) 230, 36},
                overlay.pixels());
    }

    @Test
    public void hiddenLesionsAreNotDrawn() {
        RgbImage overlay = OverlayRenderer.render(grey(), findings(), Set.of("HE"));
        assertArrayEquals(new byte[] {78, (byte) 230, 36, 100, (byte) 200, 7, 100, (byte) 200, 7, 78, (byte) 230, 36},
                overlay.pixels());
        assertEquals(grey(), OverlayRenderer.render(grey(), findings(), Set.of()));
    }

    private static List<LesionFinding> findings() {
        ProbabilityMaps maps = ProbabilityMaps.fromOutput(OUTPUT, 2, 2, Layout.NCHW);
        return LesionSummary.of(maps, LESIONS, Map.of("MA", 0.5, "HE", 0.5));
    }

    private static RgbImage grey() {
        byte[] pixels = new byte[12];
        for (int i = 0; i < 4; i++) {
            pixels[i * 3] = 100;
            pixels[i * 3 + 1] = (byte) 200;
            pixels[i * 3 + 2] = 7;
        }
        return new RgbImage(2, 2, pixels);
    }
}
