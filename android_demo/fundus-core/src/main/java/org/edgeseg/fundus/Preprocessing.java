package org.edgeseg.fundus;

/**
 * The preprocessing a model was trained with; mirrors {@code Preprocessing} in
 * {@code edgeseg/inference/preprocessing.py}: field-of-view crop, pad to a centred square, resize to
 * the model's size, and CLAHE on luminance when the model card says so. The data set's mean/std
 * normalisation is inside the exported model ({@code export/module.py}), so it is not here.
 */
public final class Preprocessing {
    private final int size;
    private final boolean clahe;
    private final double clipLimit;
    private final int tileGrid;
    private final boolean fovCrop;
    private final boolean padSquare;

    public Preprocessing(int size, boolean clahe, double clipLimit, int tileGrid, boolean fovCrop, boolean padSquare) {
        this.size = size;
        this.clahe = clahe;
        this.clipLimit = clipLimit;
        this.tileGrid = tileGrid;
        this.fovCrop = fovCrop;
        this.padSquare = padSquare;
    }

    /** The model's input side in pixels. */
    public int size() {
        return size;
    }

    /** {@code Preprocessing.geometry}: field-of-view box, padding inside the square, square side. */
    public SquareGeometry geometry(RgbImage image) {
        Box box = fovCrop ? FieldOfView.box(image) : new Box(0, 0, image.width(), image.height());
        int side = padSquare ? Math.max(box.width(), box.height()) : 0;
        int padTop = padSquare ? (side - box.height()) / 2 : 0;
        int padLeft = padSquare ? (side - box.width()) / 2 : 0;
        return new SquareGeometry(box, padTop, padLeft, side);
    }

    /** {@code Preprocessing.image_to_square}: the (size, size) RGB square the model sees. */
    public RgbImage imageToSquare(RgbImage image) {
        return prepare(image).modelSquare();
    }

    /** The geometry, the resized square before CLAHE (to show people) and the model's square. */
    public PreparedImage prepare(RgbImage image) {
        SquareGeometry geometry = geometry(image);
        RgbImage cropped = image.crop(geometry.box());
        RgbImage square = padSquare ? ImageTransforms.padToSquare(cropped) : cropped;
        RgbImage resized = ImageTransforms.resizeImage(square, size, size);
        RgbImage model = clahe ? ImageTransforms.clahe(resized, clipLimit, tileGrid) : resized;
        return new PreparedImage(geometry, resized, model);
    }
}
