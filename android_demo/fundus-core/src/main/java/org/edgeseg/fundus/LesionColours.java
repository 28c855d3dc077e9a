package org.edgeseg.fundus;

import java.util.LinkedHashMap;
import java.util.Map;

/** Overlay colours per lesion, RGB; mirrors {@code LESION_COLOURS} in {@code edgeseg/predict.py}. */
public final class LesionColours {
    private static final Map<String, int[]> COLOURS = new LinkedHashMap<>();

    static {
        COLOURS.put("MA", new int[] {0, 255, 255});
        COLOURS.put("HE", new int[] {60, 255, 60});
        COLOURS.put("EX", new int[] {40, 90, 255});
        COLOURS.put("SE", new int[] {255, 0, 255});
        COLOURS.put("OD", new int[] {255, 255, 255});
    }

    private LesionColours() {
    }

    /** {@code [r, g, b]} of {@code lesion}. */
    public static int[] rgb(String lesion) {
        int[] colour = COLOURS.get(lesion);
        if (colour == null) {
            throw new IllegalArgumentException("no overlay colour for lesion " + lesion);
        }
        return colour.clone();
    }

    /** {@code 0xFFRRGGBB} of {@code lesion}, for Android colours. */
    public static int argb(String lesion) {
        int[] c = rgb(lesion);
        return 0xFF000000 | c[0] << 16 | c[1] << 8 | c[2];
    }
}
