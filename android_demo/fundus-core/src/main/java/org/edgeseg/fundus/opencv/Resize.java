package org.edgeseg.fundus.opencv;

import org.edgeseg.fundus.RgbImage;

/**
 * {@code cv2.resize} of an 8-bit RGB image with {@code INTER_AREA} or {@code INTER_LINEAR}:
 * the dispatch of OpenCV 5.0's {@code cv::hal::resize} ({@code modules/imgproc/src/resize.cpp}),
 * which picks one of several bit-exact kernels from the scale factors.
 */
public final class Resize {
    /** The two interpolations edgeseg's {@code resize_image} uses. */
    public enum Interpolation { AREA, LINEAR }

    private static final double DBL_EPSILON = Math.ulp(1.0);

    private Resize() {
    }

    /** {@code cv2.resize(src, (width, height), interpolation=...)}. */
    public static RgbImage resize(RgbImage src, int width, int height, Interpolation interpolation) {
        if (width == src.width() && height == src.height()) {
            return src.copy();
        }
        double invScaleX = (double) width / src.width();
        double invScaleY = (double) height / src.height();
        double scaleX = 1.0 / invScaleX;
        double scaleY = 1.0 / invScaleY;
        int integerScaleX = CvRounding.round(scaleX);
        int integerScaleY = CvRounding.round(scaleY);
        boolean integerScales = Math.abs(scaleX - integerScaleX) < DBL_EPSILON && Math.abs(scaleY - integerScaleY) < DBL_EPSILON;

        boolean area = interpolation == Interpolation.AREA
                || (integerScales && integerScaleX == 2 && integerScaleY == 2); // 2x down: area equals linear
        if (area && scaleX >= 1 && scaleY >= 1) {
            if (integerScales) {
                return AreaFastResize.resize(src, width, height, integerScaleX, integerScaleY);
            }
            return AreaResize.resize(src, width, height, scaleX, scaleY);
        }
        return LinearResize.resize(src, width, height, scaleX, scaleY, invScaleX, invScaleY, area);
    }
}
