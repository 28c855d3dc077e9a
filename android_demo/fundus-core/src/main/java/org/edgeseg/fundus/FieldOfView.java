package org.edgeseg.fundus;

import org.edgeseg.fundus.opencv.ConnectedComponents;
import org.edgeseg.fundus.opencv.MedianBlur;
import org.edgeseg.fundus.opencv.Morphology;
import org.edgeseg.fundus.opencv.Resize;

/**
 * The field of view, the bright retinal disc inside a fundus photograph's black border; mirrors
 * {@code field_of_view_box} in {@code edgeseg/inference/fov.py}. The detector works on a copy
 * area-resized to at most {@value #WORK_SIDE} px a side: the 5x5 median of the brightest
 * channel, thresholded at {@code max(12, 0.12 * 95th percentile)}, opened with a 5x5 square;
 * its largest 8-connected region is the field of view.
 */
public final class FieldOfView {
    /** {@code _WORK_SIDE}. */
    static final int WORK_SIDE = 512;
    /** The default {@code margin} of {@code field_of_view_box}. */
    public static final double MARGIN = 0.005;

    private FieldOfView() {
    }

    /** {@code field_of_view_box(image)}. */
    public static Box box(RgbImage image) {
        return box(image, MARGIN);
    }

    /**
     * {@code field_of_view_box(image, margin)}: the bounding box of the field of view, grown by
     * {@code margin} of the image size on each side; the whole image when none is found.
     */
    public static Box box(RgbImage image, double margin) {
        WorkCopy work = WorkCopy.of(image);
        int width = image.width();
        int height = image.height();
        if (work.bounds == null) {
            return new Box(0, 0, width, height);
        }
        double scale = work.scale;
        double padX = margin * width;
        double padY = margin * height;
        int x0 = (int) Math.max(0, Math.floor(work.bounds[0] / scale - padX));
        int y0 = (int) Math.max(0, Math.floor(work.bounds[1] / scale - padY));
        int x1 = (int) Math.min(width, Math.ceil((work.bounds[2] + 1) / scale + padX));
        int y1 = (int) Math.min(height, Math.ceil((work.bounds[3] + 1) / scale + padY));
        return new Box(x0, y0, x1, y1);
    }

    /**
     * The field of view found on the work copy ({@code FieldOfView.small}, {@code small_mask} and
     * {@code scale} in {@code edgeseg/inference/fov.py}): the photograph area-resized to at most
     * {@value #WORK_SIDE} px a side, and the mask of its largest bright region, which the box and
     * the image-quality measures ({@link QualityMeasures}) both read.
     */
    public static final class WorkCopy {
        private final RgbImage small;
        private final boolean[] mask;
        private final double scale;
        private final int[] bounds;

        private WorkCopy(RgbImage small, boolean[] mask, double scale, int[] bounds) {
            this.small = small;
            this.mask = mask;
            this.scale = scale;
            this.bounds = bounds;
        }

        /** {@code FieldOfView.find(image)}: the work copy, its field-of-view mask and the scale. */
        public static WorkCopy of(RgbImage image) {
            int width = image.width();
            int height = image.height();
            double scale = Math.min(1.0, (double) WORK_SIDE / Math.max(height, width));
            RgbImage small = scale < 1.0
                    ? Resize.resize(image, Math.max(1, (int) Math.rint(width * scale)), Math.max(1, (int) Math.rint(height * scale)),
                            Resize.Interpolation.AREA)
                    : image;
            ConnectedComponents components = brightRegions(small);
            int largest = components.largest();
            return largest == 0
                    ? new WorkCopy(small, new boolean[small.width() * small.height()], scale, null)
                    : new WorkCopy(small, components.mask(largest), scale, components.bounds(largest));
        }

        public RgbImage small() {
            return small;
        }

        /** The field of view on the work copy ({@code width * height}, row-major); shared, not copied. */
        public boolean[] mask() {
            return mask;
        }

        /** Work copy size over photograph size (at most 1). */
        public double scale() {
            return scale;
        }
    }

    /** {@code _fov_mask_small} before its largest region is chosen: the 8-connected bright regions. */
    private static ConnectedComponents brightRegions(RgbImage small) {
        int width = small.width();
        int height = small.height();
        int[] brightest = new int[width * height];
        for (int i = 0; i < brightest.length; i++) {
            brightest[i] = Math.max(small.get(i % width, i / width, 0), Math.max(small.get(i % width, i / width, 1), small.get(i % width, i / width, 2)));
        }
        int[] brightness = MedianBlur.apply5x5(brightest, width, height);
        double threshold = Math.max(12.0, 0.12 * Percentile.of(brightness, 95));
        boolean[] mask = new boolean[brightness.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = brightness[i] > threshold;
        }
        return ConnectedComponents.label(Morphology.open5x5(mask, width, height), width, height);
    }
}
