package org.edgeseg.fundus;

import org.edgeseg.fundus.opencv.Clahe;
import org.edgeseg.fundus.opencv.LabConversion;
import org.edgeseg.fundus.opencv.Resize;

/** The image steps of {@code edgeseg/inference/image_ops.py} that the preprocessing uses. */
public final class ImageTransforms {
    private ImageTransforms() {
    }

    /** {@code pad_to_square}: zero padding to a centred square, the extra row or column at the bottom or right. */
    public static RgbImage padToSquare(RgbImage image) {
        int side = Math.max(image.width(), image.height());
        int top = (side - image.height()) / 2;
        int left = (side - image.width()) / 2;
        RgbImage square = RgbImage.black(side, side);
        for (int y = 0; y < image.height(); y++) {
            System.arraycopy(image.pixels(), y * image.width() * 3, square.pixels(), ((top + y) * side + left) * 3, image.width() * 3);
        }
        return square;
    }

    /** {@code resize_image}: {@code cv2.INTER_AREA} when either side shrinks, {@code cv2.INTER_LINEAR} otherwise. */
    public static RgbImage resizeImage(RgbImage image, int width, int height) {
        boolean shrinking = width < image.width() || height < image.height();
        return Resize.resize(image, width, height, shrinking ? Resize.Interpolation.AREA : Resize.Interpolation.LINEAR);
    }

    /**
     * {@code clahe}: OpenCV's 8-bit RGB to CIE Lab, {@code createCLAHE(clipLimit, (tiles, tiles))}
     * on L, and back to RGB.
     */
    public static RgbImage clahe(RgbImage image, double clipLimit, int tiles) {
        RgbImage lab = LabConversion.rgbToLab(image);
        byte[] pixels = lab.pixels();
        int[] lightness = new int[image.width() * image.height()];
        for (int i = 0; i < lightness.length; i++) {
            lightness[i] = pixels[i * 3] & 0xFF;
        }
        int[] equalised = new Clahe(clipLimit, tiles).apply(lightness, image.width(), image.height());
        for (int i = 0; i < equalised.length; i++) {
            pixels[i * 3] = (byte) equalised[i];
        }
        return LabConversion.labToRgb(lab);
    }
}
