package org.edgeseg.fundus;

import java.util.List;
import java.util.Set;

/**
 * Tints the pixels of each shown lesion with its colour; the fill of {@code render_overlay} in
 * {@code edgeseg/predict.py} ({@code 0.45 * pixel + 0.55 * colour}, truncated), applied in
 * channel order so later lesions are drawn over earlier ones. The outlines and legend of the
 * Python overlay are left to the app's UI.
 */
public final class OverlayRenderer {
    private OverlayRenderer() {
    }

    /** {@code image} (the model-resolution square) with the findings whose lesion is in {@code shown} tinted. */
    public static RgbImage render(RgbImage image, List<LesionFinding> findings, Set<String> shown) {
        RgbImage overlay = image.copy();
        byte[] pixels = overlay.pixels();
        for (LesionFinding finding : findings) {
            if (!shown.contains(finding.lesion())) {
                continue;
            }
            boolean[] mask = finding.mask();
            if (mask.length != image.width() * image.height()) {
                throw new IllegalArgumentException("mask of " + mask.length + " pixels for a " + image.width() + "x" + image.height() + " image");
            }
            int[] colour = LesionColours.rgb(finding.lesion());
            for (int i = 0; i < mask.length; i++) {
                if (mask[i]) {
                    for (int c = 0; c < 3; c++) {
                        pixels[i * 3 + c] = (byte) (int) (0.45 * (pixels[i * 3 + c] & 0xFF) + 0.55 * colour[c]);
                    }
                }
            }
        }
        return overlay;
    }
}
