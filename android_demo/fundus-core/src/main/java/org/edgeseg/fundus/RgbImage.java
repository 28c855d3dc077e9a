package org.edgeseg.fundus;

import java.util.Arrays;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved as R, G, B: the layout of the
 * {@code (H, W, 3)} uint8 numpy arrays edgeseg's Python works on.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] pixels;

    /** Wraps {@code pixels} (length {@code width * height * 3}); the array is not copied. */
    public RgbImage(int width, int height, byte[] pixels) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + width * height * 3 + " bytes for " + width + "x" + height + " RGB, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /** A black image. */
    public static RgbImage black(int width, int height) {
        return new RgbImage(width, height, new byte[width * height * 3]);
    }

    /** An image from packed {@code 0xAARRGGBB} pixels (Android's {@code Bitmap.getPixels} order). */
    public static RgbImage fromArgb(int width, int height, int[] argb) {
        byte[] pixels = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            pixels[i * 3] = (byte) (argb[i] >> 16);
            pixels[i * 3 + 1] = (byte) (argb[i] >> 8);
            pixels[i * 3 + 2] = (byte) argb[i];
        }
        return new RgbImage(width, height, pixels);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The backing array (shared, not copied). */
    public byte[] pixels() {
        return pixels;
    }

    /** Channel {@code c} (0 R, 1 G, 2 B) of pixel ({@code x}, {@code y}) as 0-255. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    public void set(int x, int y, int c, int value) {
        pixels[(y * width + x) * 3 + c] = (byte) value;
    }

    /** Packed {@code 0xFFRRGGBB} pixels for Android's {@code Bitmap.setPixels}. */
    public int[] toArgb() {
        int[] argb = new int[width * height];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = 0xFF000000 | (pixels[i * 3] & 0xFF) << 16 | (pixels[i * 3 + 1] & 0xFF) << 8 | (pixels[i * 3 + 2] & 0xFF);
        }
        return argb;
    }

    /** The pixels of {@code box} as a new image ({@code Box.crop} in {@code edgeseg/inference/fov.py}). */
    public RgbImage crop(Box box) {
        RgbImage out = black(box.width(), box.height());
        for (int y = 0; y < box.height(); y++) {
            System.arraycopy(pixels, ((box.y0() + y) * width + box.x0()) * 3, out.pixels, y * box.width() * 3, box.width() * 3);
        }
        return out;
    }

    public RgbImage copy() {
        return new RgbImage(width, height, pixels.clone());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RgbImage
                && ((RgbImage) other).width == width
                && ((RgbImage) other).height == height
                && Arrays.equals(((RgbImage) other).pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(pixels);
    }
}
